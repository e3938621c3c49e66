"""One tiny, randomly initialised Llama and a tokenizer made here (no hub, no download), shared by
every consumer test, and the one-optimizer-step helpers that hand an export file to TRL's trainers.

The tokenizer is a byte-level BPE trained in a few milliseconds on a small corpus, so it can encode any
text the exports hold; its chat template is ChatML with tool schemas and tool calls rendered, the way
instruct models' templates are, so ``tools`` and ``tool_calls`` columns reach the token stream.
"""

from __future__ import annotations

import asyncio
import json
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("trl")

from hadron.runtime.export import ExportStats, export_run

from . import runs

RUNS = ("recorded-autoreason", "recorded-agentic", "recorded-nanoflux", "scripted", "fixture")

CHAT_TEMPLATE = (
    "{% if tools %}<|im_start|>system\nYou may call these tools:\n{{ tools | tojson }}<|im_end|>\n{% endif %}"
    "{% for message in messages %}<|im_start|>{{ message.role }}\n"
    "{% if message.content %}{{ message.content }}{% endif %}"
    "{% if message.tool_calls %}{% for call in message.tool_calls %}"
    "<tool_call>{{ call.function | tojson }}</tool_call>{% endfor %}{% endif %}<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<|im_start|>", "<|im_end|>", "<|pad|>"]
CORPUS = [
    "The quick brown fox jumps over the lazy dog. 0123456789 + - * / = ( ) [ ] { } : , . ! ?",
    "<think> reasoning </think> answer tool_call function arguments name content role user assistant",
    "A train leaves at 3:40 pm; the trip takes 85 minutes. When does it arrive? Write a haiku.",
]


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the tokenizer and a 1-layer Llama, saved once for the session."""
    return make_tiny_lm(tmp_path_factory.mktemp("tiny-llama"))


def make_tiny_lm(where: Path) -> Path:
    """Save the tokenizer and a 1-layer Llama (seeded) into ``where``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(CORPUS, trainers.BpeTrainer(
        vocab_size=400, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<|im_start|>", eos_token="<|im_end|>", pad_token="<|pad|>")
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
                         max_position_embeddings=4096, pad_token_id=tokenizer.pad_token_id,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    import torch

    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(where)
    tokenizer.save_pretrained(where)
    return where


class Exports(dict[str, dict[str, ExportStats]]):
    """Run name → its exports (every format), each run made and exported on first use."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def __missing__(self, name: str) -> dict[str, ExportStats]:
        if name.startswith("recorded-"):
            run = runs.recorded(name.removeprefix("recorded-"), self.root)
        elif name == "scripted":
            run = asyncio.run(runs.scripted_autoreason(self.root))
        else:
            run = runs.fixture(self.root)
        self[name] = export_run(run)
        return self[name]


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exports:
    return Exports(tmp_path_factory.mktemp("consumer-runs"))


def _load(path: Path, cache: Path) -> Any:
    import datasets

    datasets.disable_progress_bars()
    return datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(cache))


def _common(out: Path) -> dict[str, Any]:
    return {"output_dir": str(out), "max_steps": 1, "per_device_train_batch_size": 2, "learning_rate": 1e-3,
            "report_to": [], "save_strategy": "no", "logging_steps": 1, "use_cpu": True,
            "disable_tqdm": True, "max_length": 1024, "seed": 0}


def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _stepped(trainer: Any) -> float:
    """Run one optimizer step; the loss it logged (finite, or the test fails)."""
    trainer.train()
    assert trainer.state.global_step == 1
    loss = next(entry["loss"] for entry in trainer.state.log_history if "loss" in entry)
    assert math.isfinite(loss) and loss > 0
    return float(loss)


def sft_step(lm: Path, path: Path, tmp: Path) -> Any:
    """One SFTTrainer optimizer step on the export at ``path``; returns the trainer."""
    from trl import SFTConfig, SFTTrainer

    return _one_step(SFTTrainer, SFTConfig, lm, path, tmp, "sft")


def dpo_step(lm: Path, path: Path, tmp: Path) -> Any:
    """One DPOTrainer optimizer step on the preference export at ``path``; returns the trainer."""
    from trl import DPOConfig, DPOTrainer

    return _one_step(DPOTrainer, DPOConfig, lm, path, tmp, "dpo")


def _one_step(trainer_class: Any, config_class: Any, lm: Path, path: Path, tmp: Path, name: str) -> Any:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    for _ in _quiet():
        trainer = trainer_class(model=AutoModelForCausalLM.from_pretrained(lm),
                                processing_class=AutoTokenizer.from_pretrained(lm),
                                args=config_class(**_common(tmp / name)),
                                train_dataset=_load(path, tmp / "hf"))
        _stepped(trainer)
    return trainer


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
