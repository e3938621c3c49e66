"""Pipeline YAML: loading, replaying the saved config, and one-line errors with file:line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from hadron.errors import ConfigError, InputError
from hadron.runtime import load_pipeline
from hadron.runtime.steps import Generate, RouteByColumn

from .conftest import read_rows

GRAPH = """\
source:
  path: prompts.jsonl
  id_column: id
steps:
  - step: route
    name: by_len
    column: kind
    branches: {short: brief}
    default: full
  - step: generate
    name: brief
    model: SPEC
    prompt: "Briefly: {{ prompt }}"
    after: by_len
  - step: generate
    name: full
    model: SPEC
    prompt: "{{ prompt }}"
    after: [by_len]
  - step: passthrough
    name: merge
    after: [brief, full]
sink: {shard_rows: 2}
run: {max_in_flight: 8}
"""


def write(tmp_path: Path, text: str, name: str = "pipeline.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_loads_a_graph_with_routing_and_fan_in(tmp_path: Path) -> None:
    pipeline = load_pipeline(write(tmp_path, GRAPH.replace("SPEC", "scripted:x")))
    assert isinstance(pipeline.dag.steps["by_len"], RouteByColumn)
    assert isinstance(pipeline.dag.steps["full"], Generate)
    assert pipeline.dag.edges == [("by_len", "brief"), ("by_len", "full"), ("brief", "merge"),
                                  ("full", "merge")]
    assert pipeline.max_in_flight == 8 and pipeline.sink.shard_rows == 2
    assert pipeline.source.path == str(tmp_path / "prompts.jsonl")  # relative to the YAML file


async def test_runs_and_saves_a_config_that_replays(tmp_path: Path, backend: Any) -> None:
    spec, fake = backend(lambda r: "answer")
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps({"id": f"r{i}", "prompt": f"q{i}", "kind": k}) + "\n"
                            for i, k in enumerate(["short", "long", "short"])))
    pipeline = load_pipeline(write(tmp_path, GRAPH.replace("SPEC", spec)))
    await pipeline.run(tmp_path / "run", progress="off")
    rows = read_rows(tmp_path / "run")
    assert sorted(r["id"] for r in rows) == ["r0", "r1", "r2"] and rows[0]["generation"] == "answer"
    assert [c.messages[-1]["content"] for c in fake.calls].count("Briefly: q0") == 1
    saved = tmp_path / "run" / "config.yaml"
    replayed = load_pipeline(saved)
    assert replayed.config_hash() == pipeline.config_hash()
    assert yaml.safe_load(saved.read_text())["source"]["path"] == str(path)


def test_chain_by_default_and_empty_after_reads_the_source(tmp_path: Path) -> None:
    text = ("source: {path: p.jsonl}\nsteps:\n  - step: passthrough\n    name: a\n"
            "  - step: passthrough\n    name: b\n  - {step: passthrough, name: c, after: []}\n"
            "  - {step: passthrough, name: d, after: [b, c]}\n")
    pipeline = load_pipeline(write(tmp_path, text))
    assert pipeline.dag.edges == [("a", "b"), ("b", "d"), ("c", "d")]


@pytest.mark.parametrize(("text", "message"), [
    ("source: {path: p.jsonl}\nsteps:\n  - step: generate\n    temperature: hot\n",
     r"pipeline\.yaml:4: steps\[0\]\.temperature: Input should be a valid number.*\(got 'hot'\)"),
    ("source: {path: p.jsonl}\nsteps:\n  - step: generate\n    temprature: 0.5\n",
     r"pipeline\.yaml:4: steps\[0\]\.temprature: unknown key"),
    ("source: {path: p.jsonl}\nsteps:\n  - step: passthrough\nsink:\n  shard_rows: -1\n",
     r"pipeline\.yaml:5: sink\.shard_rows: Input should be greater than 0"),
    ("source: {path: p.jsonl}\nstep:\n  - step: passthrough\n",
     r"pipeline\.yaml:1: steps: Field required"),
    ("source: {path: p.jsonl}\nsteps:\n  - step: passthrough\n  - step: nonsense\n",
     r"pipeline\.yaml:4: steps\[1\]: unknown step kind 'nonsense' \(known kinds: .*generate"),
    ("source: {path: p.jsonl}\nsteps:\n  - step: passthrough\n    name: a\n"
     "  - step: passthrough\n    name: b\n    after: [zz]\n",
     r"pipeline\.yaml:5: step 'b': is joined to unknown step 'zz'"),
    ("source: {path: p.jsonl}\nsteps:\n  - step: generate\n    prompt: '{{ prompt '\n",
     r"pipeline\.yaml:3: steps\[0\]: step 'generate': prompt template line 1"),
    ("source: {path: p.unknown}\nsteps:\n  - step: passthrough\n",
     r"pipeline\.yaml:1: .*cannot tell the source format"),
])
def test_config_errors_name_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        load_pipeline(write(tmp_path, text))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("data", "message"), [
    (b"source: {path: p.jsonl}\nsteps: [\n", r"pipeline\.yaml:3: invalid YAML"),
    (b"source: {path: p.jsonl}\n# caf\xe9\nsteps: []\n", r"pipeline\.yaml:2: not UTF-8 text \(byte 0xe9\)"),
    (b"- just\n- a list\n", r"pipeline\.yaml:1: expected a mapping"),
    (b"", r"pipeline\.yaml:1: expected a mapping"),
])
def test_unreadable_yaml_is_an_input_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        load_pipeline(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.yaml: no such file"):
        load_pipeline(tmp_path / "nope.yaml")
