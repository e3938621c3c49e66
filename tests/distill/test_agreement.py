from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

from hadron.distill.agreement import Agreement, FieldComparator, load_comparator, make_comparator
from hadron.errors import ConfigError

COMPARE = FieldComparator(categorical=("category", "urgent"), array=("tags",))
GOLD = {"category": "billing", "urgent": True, "tags": ["refund", "invoice"]}


def test_full_match_is_one() -> None:
    result = COMPARE(dict(GOLD), GOLD)
    assert result == Agreement(1.0, {"category": 1.0, "urgent": 1.0, "tags": 1.0}, ())


def test_total_mismatch_is_zero() -> None:
    result = COMPARE({"category": "shipping", "urgent": False, "tags": ["crash"]}, GOLD)
    assert result.score == 0.0
    assert result.fields == {"category": 0.0, "urgent": 0.0, "tags": 0.0}
    assert result.notes == (
        'category: expected "billing", got "shipping"',
        "urgent: expected true, got false",
        'tags: Jaccard 0.00 against gold ["refund","invoice"]; missed ["refund","invoice"]; extra ["crash"]',
    )


def test_partial_array_overlap_is_exact_jaccard() -> None:
    result = COMPARE({**GOLD, "tags": ["refund", "login", "refund"]}, GOLD)
    assert result.fields["tags"] == pytest.approx(1 / 3)
    assert result.score == pytest.approx((1 + 1 + 1 / 3) / 3)
    assert result.notes == ('tags: Jaccard 0.33 against gold ["refund","invoice"]; missed ["invoice"]; '
                            'extra ["login"]',)


def test_missing_boolean_flag_scores_strictly_less_than_full_match() -> None:
    result = COMPARE({"category": "billing", "tags": ["refund", "invoice"]}, GOLD)
    assert result.fields["urgent"] == 0.0
    assert result.score == pytest.approx(2 / 3) and result.score < 1.0
    assert result.notes == ("urgent: missing, expected true",)


def test_absence_rules() -> None:
    gold = {"category": "billing"}
    assert COMPARE({"category": "billing"}, gold).score == 1.0  # both absent agree
    assert COMPARE({"category": "billing", "urgent": None, "tags": None}, gold).score == 1.0
    extra = COMPARE({"category": "billing", "urgent": False}, gold)
    assert extra.fields["urgent"] == 0.0
    assert extra.notes == ("urgent: should be absent (null), got false",)
    assert COMPARE({"category": "billing", "tags": []}, {"category": "billing", "tags": []}).score == 1.0


def test_types_are_not_conflated() -> None:
    compare = FieldComparator(categorical=("x",))
    assert compare({"x": 1}, {"x": True}).score == 0.0
    assert compare({"x": "1"}, {"x": 1}).score == 0.0
    assert compare({"x": 1}, {"x": 1}).score == 1.0


def test_no_fields_compares_whole_label() -> None:
    compare = make_comparator()
    assert compare({"a": [1, 2]}, {"a": [1, 2]}).fields == {"label": 1.0}
    miss = compare("spam", "ham")
    assert (miss.score, miss.notes) == (0.0, ('expected "ham", got "spam"',))


def test_non_object_answer_scores_fields_as_absent() -> None:
    result = COMPARE(["billing"], GOLD)
    assert result.score == 0.0
    assert result.notes[0] == 'answer is not a JSON object: ["billing"]'


@pytest.fixture
def user_module() -> Iterator[types.ModuleType]:
    module = types.ModuleType("distill_user_cmp")
    module.exact = lambda predicted, gold: 1.0 if predicted == gold else 0.25  # type: ignore[attr-defined]
    module.per_field = lambda predicted, gold: {"a": 1.0, "b": 0.0}  # type: ignore[attr-defined]
    module.rich = lambda predicted, gold: Agreement(0.5, {"x": 0.5}, ("half",))  # type: ignore[attr-defined]
    module.bad = lambda predicted, gold: 1.5  # type: ignore[attr-defined]
    module.boom = lambda predicted, gold: 1 / 0  # type: ignore[attr-defined]
    module.NOT_CALLABLE = 3  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def test_custom_comparator(user_module: types.ModuleType) -> None:
    assert load_comparator("distill_user_cmp:exact")(1, 1) == Agreement(1.0)
    assert load_comparator("distill_user_cmp:exact")(1, 2).score == 0.25
    assert load_comparator("distill_user_cmp:per_field")(1, 2) == Agreement(0.5, {"a": 1.0, "b": 0.0})
    assert load_comparator("distill_user_cmp:rich")(1, 2).notes == ("half",)
    assert make_comparator(categorical=["ignored"], spec="distill_user_cmp:exact")(3, 3).score == 1.0


@pytest.mark.parametrize(("spec", "message"), [
    ("distill_user_cmp", "must look like module:function"),
    ("no_such_module_xyz:f", "cannot import"),
    ("distill_user_cmp:missing", "has no attribute"),
    ("distill_user_cmp:NOT_CALLABLE", "is not callable"),
])
def test_bad_comparator_specs(user_module: types.ModuleType, spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_comparator(spec)


def test_comparator_bad_answers_are_config_errors(user_module: types.ModuleType) -> None:
    with pytest.raises(ConfigError, match=r"returned 1.5, outside \[0, 1\]"):
        load_comparator("distill_user_cmp:bad")(1, 1)
    with pytest.raises(ConfigError, match="raised ZeroDivisionError"):
        load_comparator("distill_user_cmp:boom")(1, 1)
