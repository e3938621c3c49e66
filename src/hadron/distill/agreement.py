"""How far a student's label is from the gold one: a score in [0, 1], per-field scores, and notes.

The default comparator scores named categorical fields by exact match and named array fields by
Jaccard overlap, then takes the unweighted mean. "Absent" means missing or null: both absent agrees
(1.0), one absent disagrees (0.0). Notes name each wrong field with the gold value (and, for arrays, the
items missed and the extras), because they become the reflection model's feedback.

A custom comparator is any ``module:function`` taking ``(predicted, gold)`` and returning a float, a
mapping of field to score (averaged), or an ``Agreement``.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hadron.core import canonical_json
from hadron.errors import ConfigError

WHOLE_LABEL = "label"
"""Field name used when no fields are named and the whole label is compared exactly."""


@dataclass(frozen=True, slots=True)
class Agreement:
    score: float
    fields: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """One line per disagreement, for the reflection model."""


Comparator = Callable[[Any, Any], Agreement]
"""``(predicted, gold) -> Agreement``; ``predicted`` is never None (a parse failure scores 0 upstream)."""


def _absent(label: Any, name: str) -> bool:
    return not isinstance(label, Mapping) or label.get(name) is None


def _show(value: Any) -> str:
    return canonical_json(value)


def _key(value: Any) -> str:
    # canonical JSON keeps true != 1 and "1" != 1, which Python equality would merge.
    return canonical_json(value)


@dataclass(frozen=True, slots=True)
class FieldComparator:
    """Exact match on ``categorical`` fields + Jaccard on ``array`` fields, unweighted mean."""

    categorical: tuple[str, ...] = ()
    array: tuple[str, ...] = ()

    def __call__(self, predicted: Any, gold: Any) -> Agreement:
        if not self.categorical and not self.array:
            return self._whole(predicted, gold)
        scores: dict[str, float] = {}
        notes: list[str] = []
        if not isinstance(predicted, Mapping):
            notes.append(f"answer is not a JSON object: {_show(predicted)}")
        for name in self.categorical:
            scores[name] = self._categorical(name, predicted, gold, notes)
        for name in self.array:
            scores[name] = self._array(name, predicted, gold, notes)
        return Agreement(score=sum(scores.values()) / len(scores), fields=scores, notes=tuple(notes))

    @staticmethod
    def _whole(predicted: Any, gold: Any) -> Agreement:
        if _key(predicted) == _key(gold):
            return Agreement(1.0, {WHOLE_LABEL: 1.0})
        note = f"expected {_show(gold)}, got {_show(predicted)}"
        return Agreement(0.0, {WHOLE_LABEL: 0.0}, (note,))

    @staticmethod
    def _categorical(name: str, predicted: Any, gold: Any, notes: list[str]) -> float:
        gold_absent, pred_absent = _absent(gold, name), _absent(predicted, name)
        if gold_absent and pred_absent:
            return 1.0
        if gold_absent:
            notes.append(f"{name}: should be absent (null), got {_show(predicted[name])}")
            return 0.0
        if pred_absent:
            notes.append(f"{name}: missing, expected {_show(gold[name])}")
            return 0.0
        if _key(predicted[name]) == _key(gold[name]):
            return 1.0
        notes.append(f"{name}: expected {_show(gold[name])}, got {_show(predicted[name])}")
        return 0.0

    @staticmethod
    def _array(name: str, predicted: Any, gold: Any, notes: list[str]) -> float:
        gold_absent, pred_absent = _absent(gold, name), _absent(predicted, name)
        if gold_absent and pred_absent:
            return 1.0
        if gold_absent:
            notes.append(f"{name}: should be absent (null), got {_show(predicted[name])}")
            return 0.0
        if pred_absent:
            notes.append(f"{name}: missing, expected {_show(gold[name])}")
            return 0.0
        gold_items, pred_items = _items(gold[name]), _items(predicted[name])
        union = gold_items.keys() | pred_items.keys()
        if not union:
            return 1.0
        score = len(gold_items.keys() & pred_items.keys()) / len(union)
        if score < 1.0:
            missed = [gold_items[k] for k in gold_items if k not in pred_items]
            extra = [pred_items[k] for k in pred_items if k not in gold_items]
            parts = [f"{name}: Jaccard {score:.2f} against gold {_show(gold[name])}"]
            if missed:
                parts.append(f"missed {_show(missed)}")
            if extra:
                parts.append(f"extra {_show(extra)}")
            if not isinstance(predicted[name], list):
                parts.append("answer was not a list")
            notes.append("; ".join(parts))
        return score


def _items(value: Any) -> dict[str, Any]:
    """Set semantics in first-seen order; a scalar counts as a one-item list."""
    values = value if isinstance(value, list) else [value]
    return {_key(item): item for item in values}


def as_agreement(result: Any, *, source: str = "comparator") -> Agreement:
    """Normalise what a comparator returned; reject scores outside [0, 1] or non-numbers."""
    if isinstance(result, Agreement):
        agreement = result
    elif isinstance(result, Mapping):
        fields = {str(k): _score(v, source) for k, v in result.items()}
        if not fields:
            raise ConfigError(f"{source} returned an empty mapping of field scores")
        agreement = Agreement(sum(fields.values()) / len(fields), fields)
    else:
        agreement = Agreement(_score(result, source))
    _score(agreement.score, source)
    for value in agreement.fields.values():
        _score(value, source)
    return agreement


def _score(value: Any, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ConfigError(f"{source} returned {value!r}; expected a number in [0, 1]")
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{source} returned {value!r}, outside [0, 1]")
    return float(value)


def load_comparator(spec: str) -> Comparator:
    """Import ``module:function`` and wrap it so its answers are checked and normalised."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"comparator {spec!r} must look like module:function")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"comparator {spec!r}: cannot import {module_name!r} ({exc})") from None
    target: Any = module
    for part in attr.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise ConfigError(f"comparator {spec!r}: {module_name!r} has no attribute {attr!r}")
    if not callable(target):
        raise ConfigError(f"comparator {spec!r} is not callable")
    function: Callable[[Any, Any], Any] = target

    def compare(predicted: Any, gold: Any) -> Agreement:
        try:
            result = function(predicted, gold)
        except Exception as exc:  # user code: report it as a config problem, in one line
            raise ConfigError(f"comparator {spec} raised {type(exc).__name__}: {exc}") from exc
        return as_agreement(result, source=f"comparator {spec}")

    return compare


def make_comparator(*, categorical: Sequence[str] = (), array: Sequence[str] = (),
                    spec: str | None = None) -> Comparator:
    """The custom comparator when ``spec`` is given, else the default field comparator."""
    if spec:
        return load_comparator(spec)
    return FieldComparator(tuple(categorical), tuple(array))
