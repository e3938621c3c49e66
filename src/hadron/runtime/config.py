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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hadron.core.config import YamlDoc, config_error, read_yaml, validate
from hadron.data.sinks import SinkConfig
from hadron.data.sources import SourceConfig
from hadron.errors import ConfigError, ConfigFileError, InputError
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
    doc = read_yaml(path)
    data = doc.data
    if not isinstance(data, dict) or doc.node is None:
        raise InputError(doc.path, "expected a mapping with `source:` and `steps:`", line=1)
    _resolve_source_path(data, path.parent)
    try:
        config = validate(PipelineConfig, data, doc)
    except ConfigFileError:
        raise
    except ConfigError as exc:  # raised inside a validator (e.g. an unknown source suffix)
        raise ConfigError(f"{doc.path}:{doc.line(('source', 'path'))}: {exc}") from exc
    _require_storage_values(doc, config)
    steps: list[Step] = []
    origins: dict[str, str] = {}
    for index, entry in enumerate(config.steps):
        loc = ("steps", index)
        options = dict(entry.model_extra or {})
        try:
            step = build_step(entry.step, entry.name, options)
        except ValidationError as exc:
            raise config_error(exc, doc, data=options, prefix=loc) from exc
        except ConfigError as exc:
            raise ConfigError(f"{doc.path}:{doc.line(loc)}: steps[{index}]: {exc}") from exc
        steps.append(step)
        origins[step.name] = f"{doc.path}:{doc.line(loc)}"
    edges: list[tuple[str, str]] = []
    for index, (entry, step) in enumerate(zip(config.steps, steps, strict=True)):
        after = entry.after if entry.after is not None else ([steps[index - 1].name] if index else [])
        edges.extend((upstream, step.name) for upstream in after)
    return Pipeline(source=config.source, steps=steps, edges=edges, sink=config.sink,
                    max_in_flight=config.run.max_in_flight, origins=origins)


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


def _require_storage_values(doc: YamlDoc, config: PipelineConfig) -> None:
    """A run's saved config leaves ``storage_options`` values out; never hand the placeholder to fsspec."""
    for section, model in (("source", config.source), ("sink", config.sink)):
        for key, value in model.storage_options.items():
            if value == UNSAVED:
                loc = (section, "storage_options", key)
                raise ConfigError(f"{doc.path}:{doc.line(loc)}: {section}.storage_options.{key}: value "
                                  "missing (a run's config.yaml keeps storage_options keys, never values)",
                                  hint=f"replace {UNSAVED!r} with the value")
