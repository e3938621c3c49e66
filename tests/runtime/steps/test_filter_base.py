"""What text filters share: field reading, normalisation, building from YAML options, the reject path."""

from __future__ import annotations

from typing import Any, cast

import pytest
from pydantic import ValidationError

from hadron.core import Reject
from hadron.errors import ConfigError
from hadron.runtime.registry import build_step, step_spec
from hadron.runtime.step import StepContext
from hadron.runtime.steps import ExactDedup, MinHashDedup
from hadron.runtime.steps.filter import FieldsFilter, normalise


def test_fields_filter_validates_fields_and_reads_text() -> None:
    with pytest.raises(ConfigError):
        FieldsFilter(fields="prompt")
    with pytest.raises(ConfigError):
        FieldsFilter(fields=[])
    fields = FieldsFilter(fields=["prompt", "messages"])
    assert fields.inputs == ("prompt", "messages")
    assert fields.texts({"prompt": "p", "messages": [{"role": "user", "content": "c"}]}) == [
        "p", '[{"content":"c","role":"user"}]']
    with pytest.raises(ConfigError, match="row 'r1' has no field 'messages'"):
        fields.texts({"id": "r1", "prompt": "p"})


def test_normalise() -> None:
    assert normalise("  A\u0301  b\n\tc ") == "\u00c1 b c"
    assert normalise("ÀB", casefold=True) == "àb"


async def test_process_returns_the_row_or_the_reject() -> None:
    dedup, ctx = ExactDedup(fields=["prompt"]), cast(StepContext, None)  # filters never use the context
    assert await dedup.process({"id": "a", "prompt": "p"}, ctx) == {"id": "a", "prompt": "p"}
    rejected = await dedup.process({"id": "b", "prompt": "p"}, ctx)
    assert rejected == Reject("exact_duplicate", {"duplicate_of": "a"})


@pytest.mark.parametrize(("kind", "options"), [
    ("exact_dedup", {"fields": ["prompt", "completion"], "ignore_case": True}),
    ("minhash_dedup", {"fields": ["completion"], "threshold": 0.9, "num_perm": 64, "shingle": 4}),
])
def test_yaml_kinds_build_and_round_trip(kind: str, options: dict[str, Any]) -> None:
    step = build_step(kind, "dedup", options)
    assert isinstance(step, ExactDedup | MinHashDedup)
    assert step_spec(step) == {"step": kind, "name": "dedup", **options}


def test_unknown_yaml_option_is_rejected() -> None:
    with pytest.raises(ValidationError, match="threshhold"):
        build_step("minhash_dedup", None, {"threshhold": 0.5})
