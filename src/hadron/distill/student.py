"""The cheap student: candidate prompt + one gold input -> a label, scored against the gold label.

The candidate prompt is the system message (the only text GEPA evolves). The user message carries the
input and a fixed answer contract naming the label fields, so every candidate is held to the same
output format. Calls run at temperature 0 through ``ChatModel.chat_json`` (schema-constrained where the
backend supports it, parse-and-re-ask elsewhere). An answer that still cannot be parsed scores 0 and
keeps its error as feedback: it is never dropped.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, create_model

from hadron.core import canonical_json, stable_hash
from hadron.distill.agreement import WHOLE_LABEL, Agreement, Comparator
from hadron.distill.gold import GoldRecord
from hadron.llm import ChatModel
from hadron.llm.types import Message

MAX_ENUM = 64
"""A field with more distinct gold values than this is left free-form in the schema."""


@dataclass(frozen=True, slots=True)
class LabelSpec:
    """The answer contract: a pydantic model for ``chat_json`` and the sentence that describes it."""

    schema: type[BaseModel]
    instruction: str
    wrapped: bool
    """True when the whole label is asked for as ``{"label": ...}`` (no fields named)."""


@dataclass(frozen=True, slots=True)
class StudentAnswer:
    """One student attempt on one gold record (the GEPA trajectory and rollout output)."""

    record: GoldRecord
    predicted: Any
    """The parsed label, or None when the answer could not be parsed."""
    raw: str
    error: str | None
    agreement: Agreement


def render_input(value: Any) -> str:
    """Strings go in verbatim; any other JSON is shown indented so small models can read it."""
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)


def label_spec(records: Sequence[GoldRecord], *, categorical: Sequence[str], array: Sequence[str],
               declared: Mapping[str, Sequence[Any]] | None = None) -> LabelSpec:
    """Build the answer contract from the whole label vocabulary: every record's label (pass all splits)
    plus the values ``declared`` per field in the config.

    The vocabulary is what the student may answer, not what it is told is right: a category that only
    the holdout has must still be answerable, or the gate scores it 0 under every prompt. Categorical
    fields become enums of the values seen, array fields lists of the items seen (when the vocabulary
    is small and scalar), and a field some label lacks is nullable.
    """
    declared = declared or {}
    if not categorical and not array:
        whole = create_model("StudentLabel", __config__=ConfigDict(extra="ignore"), label=(Any, ...))
        return LabelSpec(whole, 'Answer with one JSON object: {"label": <your answer>}.', wrapped=True)
    labels = [record.label if isinstance(record.label, dict) else {} for record in records]
    fields: dict[str, Any] = {}
    parts: list[str] = []
    for name in (*categorical, *array):
        is_array = name in array
        values = [label.get(name) for label in labels]
        nullable = any(value is None for value in values)
        items = [item for value in values if isinstance(value, list) for item in value] if is_array \
            else [value for value in values if value is not None]
        items += list(declared.get(name, ()))
        choices = _choices(items)
        item_type: Any = Literal[tuple(choices)] if choices else Any
        field_type: Any = list[item_type] if is_array else item_type
        if nullable:
            fields[name] = (field_type | None, None)
        else:
            fields[name] = (field_type, ...)
        shown = ", ".join(canonical_json(choice) for choice in choices) if choices else ""
        kind = (f"a list of zero or more of: {shown}" if shown else "a list") if is_array \
            else (f"one of: {shown}" if shown else "a value")
        parts.append(f'"{name}": {kind}' + (" (or null)" if nullable else ""))
    schema = create_model("StudentLabel", __config__=ConfigDict(extra="ignore"), **fields)
    instruction = "Answer with one JSON object with these keys: " + "; ".join(parts) + "."
    return LabelSpec(schema, instruction, wrapped=False)


def _choices(values: Sequence[Any]) -> list[Any]:
    """Distinct scalar values in first-seen order, or [] when they cannot make a small enum."""
    seen: dict[str, Any] = {}
    for value in values:
        if not isinstance(value, str | int):  # bool is an int; floats make poor enum members
            return []
        seen.setdefault(canonical_json(value), value)
    return list(seen.values()) if len(seen) <= MAX_ENUM else []


class Student:
    """Asks one model for labels and scores them with the comparator."""

    def __init__(self, model: ChatModel, spec: LabelSpec, compare: Comparator, *, max_tokens: int = 256,
                 concurrency: int = 4, seed: int = 0, max_reasks: int = 1) -> None:
        self.model = model
        self.spec = spec
        self.compare = compare
        self.max_tokens = max_tokens
        self.concurrency = concurrency
        self.seed = seed
        self.max_reasks = max_reasks

    def messages(self, prompt: str, record: GoldRecord) -> list[Message]:
        return [{"role": "system", "content": prompt},
                {"role": "user", "content": f"{render_input(record.input)}\n\n{self.spec.instruction}"}]

    async def answer(self, prompt: str, record: GoldRecord, *, rep: int = 0) -> StudentAnswer:
        """One scored attempt; raises only ``LLMError`` (the model cannot be reached)."""
        result = await self.model.chat_json(
            self.messages(prompt, record), self.spec.schema, max_reasks=self.max_reasks, role="student",
            route_key=record.id, temperature=0.0, max_tokens=self.max_tokens,
            seed=stable_hash("distill-student", self.seed, rep) % 2**31, sample_index=rep)
        raw = result.completions[-1].text if result.completions else ""
        if result.value is None:
            error = result.error or "no answer"
            return StudentAnswer(record, None, raw, error, self._failed(record, error))
        predicted = result.value.model_dump()
        if self.spec.wrapped:
            predicted = predicted["label"]
        return StudentAnswer(record, predicted, raw, None, self.compare(predicted, record.label))

    async def answer_all(self, prompt: str, records: Sequence[GoldRecord], *, rep: int = 0
                         ) -> list[StudentAnswer]:
        """Every record, in order, at most ``concurrency`` calls in flight."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(record: GoldRecord) -> StudentAnswer:
            async with gate:
                return await self.answer(prompt, record, rep=rep)

        return list(await asyncio.gather(*(one(record) for record in records)))

    def _failed(self, record: GoldRecord, error: str) -> Agreement:
        """Score 0 on every field the comparator would report, with the parse error as the note."""
        probe = self.compare(record.label, record.label).fields
        fields = dict.fromkeys(probe or {WHOLE_LABEL: 0.0}, 0.0)
        note = f"the answer could not be parsed: {error}"
        return Agreement(0.0, fields, (note,))
