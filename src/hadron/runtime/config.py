"""Pipelines in YAML: ``hadron run pipeline.yaml`` and ``load_pipeline(path)``.

    source: {path: prompts.jsonl}          # hadron.data.sources.SourceConfig; relative to this file
    steps:
      - step: generate                     # a kind from hadron.runtime.registry
        name: answer
        model: local
        prompt: "{{ prompt }}"
      - step: passthrough
        after: [answer]                    # default: the step above; [] makes a step read the source
    sink: {format: jsonl, shard_rows: 10000}
    run: {max_in_flight: 256}

Every mistake is one line naming the place: ``pipeline.yaml:7: steps[0].temperature: Input should be a
valid number``. Lines come from the YAML node marks, matched to pydantic's error ``loc``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hadron.data.sinks import SinkConfig
from hadron.data.sources import SourceConfig
from hadron.errors import ConfigError, InputError
from hadron.runtime.pipeline import UNSAVED, Pipeline
from hadron.runtime.registry import build_step
from hadron.runtime.step import Step


class StepEntry(BaseModel):
    """One item of ``steps``: the kind, a name, what it runs after; every other key is an option."""

    model_config = ConfigDict(extra="allow")

    step: str
    name: str | None = None
    after: list[str] | None = None

    @field_validator("after", mode="before")
    @classmethod
    def _one_name(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class RunOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_in_flight: int = Field(default=256, ge=1)
    """Rows in flight at once (backpressure); model calls are limited by the model layer."""


class PipelineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: SourceConfig
    steps: list[StepEntry] = Field(min_length=1)
    sink: SinkConfig = Field(default_factory=SinkConfig)
    run: RunOptions = Field(default_factory=RunOptions)


def load_pipeline(path: str | Path) -> Pipeline:
    """Read and validate a pipeline YAML file; every error names ``file:line``."""
    path = Path(path)
    text = _read_text(path)
    where = str(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(where, f"invalid YAML: {problem}", line=mark.line + 1 if mark else None) from exc
    if not isinstance(data, dict) or root is None:
        raise InputError(where, "expected a mapping with `source:` and `steps:`", line=1)
    _resolve_source_path(data, path.parent)
    try:
        config = PipelineConfig.model_validate(data)
    except ValidationError as exc:
        raise _located(where, root, exc) from exc
    except ConfigError as exc:  # raised inside a validator (e.g. an unknown source suffix)
        raise ConfigError(f"{where}:{_line(root, ('source', 'path'))}: {exc}") from exc
    _require_storage_values(where, root, config)
    steps: list[Step] = []
    origins: dict[str, str] = {}
    for index, entry in enumerate(config.steps):
        loc = ("steps", index)
        try:
            step = build_step(entry.step, entry.name, dict(entry.model_extra or {}))
        except ValidationError as exc:
            raise _located(where, root, exc, prefix=loc) from exc
        except ConfigError as exc:
            raise ConfigError(f"{where}:{_line(root, loc)}: steps[{index}]: {exc}") from exc
        steps.append(step)
        origins[step.name] = f"{where}:{_line(root, loc)}"
    edges: list[tuple[str, str]] = []
    for index, (entry, step) in enumerate(zip(config.steps, steps, strict=True)):
        after = entry.after if entry.after is not None else ([steps[index - 1].name] if index else [])
        edges.extend((upstream, step.name) for upstream in after)
    return Pipeline(source=config.source, steps=steps, edges=edges, sink=config.sink,
                    max_in_flight=config.run.max_in_flight, origins=origins)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(str(path), "no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(str(path), "is a directory") from exc
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(str(path), f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", line=line) from exc


def _resolve_source_path(data: dict[str, Any], base: Path) -> None:
    """A relative source path is relative to the YAML file, so the config works from any directory."""
    source = data.get("source")
    if isinstance(source, str):
        source = data["source"] = {"path": source}
    if not isinstance(source, dict) or not isinstance(source.get("path"), str):
        return
    value: str = source["path"]
    if "://" in value or value.startswith("hf:") or os.path.isabs(value):
        return
    resolved = (base / value).resolve()
    if source.get("type") == "hf" and not resolved.exists():
        return  # a hub dataset name, not a file
    source["path"] = str(resolved)


def _require_storage_values(where: str, root: yaml.Node, config: PipelineConfig) -> None:
    """A run's saved config leaves ``storage_options`` values out; never hand the placeholder to fsspec."""
    for section, model in (("source", config.source), ("sink", config.sink)):
        for key, value in model.storage_options.items():
            if value == UNSAVED:
                loc = (section, "storage_options", key)
                raise ConfigError(f"{where}:{_line(root, loc)}: {section}.storage_options.{key}: value "
                                  "missing (a run's config.yaml keeps storage_options keys, never values)",
                                  hint=f"replace {UNSAVED!r} with the value")


def _located(where: str, root: yaml.Node, exc: ValidationError, prefix: tuple[Any, ...] = ()) -> ConfigError:
    errors = exc.errors()
    first = errors[0]
    loc = (*prefix, *first["loc"])
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    message = " ".join(str(first["msg"]).split())
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif not isinstance(first.get("input"), dict | list) and first["type"] != "missing":
        message += f" (got {first.get('input')!r})"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ConfigError(f"{where}:{_line(root, loc)}: {key}: {message}{more}")


def _line(root: yaml.Node, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the deepest YAML node ``loc`` reaches (a missing key: its parent's line)."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((value for key, value in node.value if str(key.value) == str(part)), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
    return int(node.start_mark.line) + 1
