from __future__ import annotations

import pytest

from hadron.qa.verify import check_answer, final_answer, normalize, parse_number


@pytest.mark.parametrize(("text", "reference", "correct"), [
    ("17 * 23 = 391", "391", True),
    ("Step 1: 17*20=340. Step 2: 17*3=51.\nAnswer: 391", "391", True),
    ("So the total is \\boxed{1,234}.", "1234", True),
    ("#### 72", "72.0", True),
    ("The answer is $12.50", "12.5", True),
    ("I think 390, not 391... final answer: 390", "391", False),
    ("no numbers here", "3", False),
    ("", "3", False),
    ("Paris.", "paris", True),
    ("The capital is Paris.\nAnswer: (B)", "B", True),
    ("Answer: Lyon", "Paris", False),
    ("Answers vary by case.\nthe result is 5", "5", True),
])
def test_check_answer(text: str, reference: str, correct: bool) -> None:
    assert check_answer(text, reference).correct is correct


def test_mode_follows_the_reference() -> None:
    assert check_answer("x", "4").mode == "numeric"
    assert check_answer("x", "four").mode == "exact"
    assert check_answer(None, "four") .correct is False


def test_helpers() -> None:
    assert parse_number("1,000") == 1000.0
    assert parse_number("12%") == 12.0
    assert parse_number("1.2.3") is None
    assert normalize("  \"Hello,  World!\" ") == "hello, world"
    assert final_answer("a\nb\n\n") == "b"
    assert final_answer("x \\boxed{\\frac{1}{2}} y") == "\\frac{1}{2}"
