"""The source options every command that reads prompts takes: which columns, how many rows, repeated ids.

    hadron autoreason hf:ianncity/General-Distillation-Prompts-1M --prompt-column text --sample 1000 ...

The same names as a pipeline YAML's ``source:`` keys (``prompt_column``, ``id_column``, ``system_column``,
``limit``, ``sample``, ``seed``, ``on_duplicate_id``); a flag overrides the key.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    from hadron.data.sources import SourceConfig

R = TypeVar("R")


def prompt_column_option() -> Any:
    return typer.Option(None, "--prompt-column", help="Input column holding the prompt (default: prompt; "
                                                      "an hf: dataset in text layout has text).")


def id_column_option() -> Any:
    return typer.Option(None, "--id-column", help="Input column holding each row's id, kept as `id` "
                                                  "(default: id when the input has it, else hash ids).")


def system_column_option() -> Any:
    return typer.Option(None, "--system-column", help="Input column holding a per-row system prompt.")


def limit_option() -> Any:
    return typer.Option(None, "--limit", min=1, help="Use only the first N usable rows.")


def sample_option() -> Any:
    return typer.Option(None, "--sample", min=1, help="Use a seeded uniform sample of N rows (streaming "
                                                      "reservoir: memory holds N rows, not the input).")


def seed_option() -> Any:
    return typer.Option(None, "--seed", help="Seed for --sample (default 0).")


def on_duplicate_id_option() -> Any:
    return typer.Option(None, "--on-duplicate-id", metavar="error|keep-first",
                        help="A repeated input id: stop before any call (error, default) or keep the first "
                             "row of each id and record the rest in OUT/rejects.jsonl (keep-first).")


@dataclass(frozen=True, slots=True)
class SourceFlags:
    """The flags as given (None: not given, the YAML's or the default value stands)."""

    prompt_column: str | None = None
    id_column: str | None = None
    system_column: str | None = None
    limit: int | None = None
    sample: int | None = None
    seed: int | None = None
    on_duplicate_id: str | None = None

    def given(self) -> dict[str, Any]:
        names = ("prompt_column", "id_column", "system_column", "sample", "seed", "on_duplicate_id")
        values = {name: getattr(self, name) for name in names}
        values["head"] = self.limit
        return {name: value for name, value in values.items() if value is not None}

    def apply(self, base: SourceConfig | str) -> SourceConfig:
        """``base`` (a path or a YAML's source) with the given flags on top; a bad value is one line
        naming the flag."""
        from pydantic import ValidationError

        from hadron.data.sources import SourceConfig
        from hadron.errors import ConfigError

        given = self.given()
        data = {"path": base} if isinstance(base, str) else base.model_dump(exclude_defaults=True)
        try:
            return SourceConfig.model_validate({**data, **given})
        except ValidationError as err:
            first = err.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else ""
            flag = "--limit" if name == "head" else f"--{name.replace('_', '-')}"
            raise ConfigError(f"{flag}: {first['msg']}") from err


_OPTIONS: dict[str, tuple[Any, Callable[[], Any]]] = {
    "prompt_column": (str | None, prompt_column_option), "id_column": (str | None, id_column_option),
    "system_column": (str | None, system_column_option), "limit": (int | None, limit_option),
    "sample": (int | None, sample_option), "seed": (int | None, seed_option),
    "on_duplicate_id": (str | None, on_duplicate_id_option),
}


def source_options(command: Callable[..., R]) -> Callable[..., R]:
    """Give a Typer command the source flags in place of its ``source: SourceFlags`` parameter.

    Typer has no option groups: the wrapper's signature lists the seven flags where ``source`` stood
    (so ``--help`` keeps its order), and the call folds them back into one ``SourceFlags``."""
    signature = inspect.signature(command, eval_str=True)
    params: list[inspect.Parameter] = []
    for param in signature.parameters.values():
        params += [param] if param.name != "source" else [
            inspect.Parameter(name, param.kind, default=option(), annotation=kind)
            for name, (kind, option) in _OPTIONS.items()]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        flags = SourceFlags(**{name: kwargs.pop(name) for name in _OPTIONS})
        return command(*args, source=flags, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {param.name: param.annotation for param in params}
    return wrapper
