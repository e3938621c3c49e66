"""Verified answers: reference answers reproduced by the judge's tool runs (sympy in the real sandbox)."""

from __future__ import annotations

import pytest

from hadron.tasks.nanoflux.records import ToolEvidence
from hadron.tasks.nanoflux.verify import Verifier, classify


def run(output: str, code: str = "x = 6 * 7\nprint(x)", error: str | None = None) -> ToolEvidence:
    return ToolEvidence(tool="python", protocol="text", call_id="text_0", arguments={"code": code},
                        output=output, error_kind=error)


@pytest.mark.parametrize(("answer", "kind"), [
    ("42", "numeric"), ("$1,200.50", "numeric"), ("7/8", "numeric"), ("25%", "numeric"), ("12 km", "numeric"),
    ("x = 5", "numeric"), ("x**2 + 2*x", "symbolic"), ("sqrt(2)/2", "symbolic"), ("Paris", "text"),
    ("The answer is 42 apples because the farmer sold them", "text")])
def test_answers_are_classified(answer: str, kind: str) -> None:
    assert classify(answer).kind == kind


async def test_numbers_must_be_reproduced_by_a_run_that_computed_them() -> None:
    verify = Verifier()
    assert (await verify("42", [run("42")])).verified is True
    assert (await verify("3.14", [run("3.141592653589793")])).verified is True  # the reference's decimals
    assert (await verify("25%", [run("0.25")])).verified is True
    wrong = await verify("42", [run("41")])
    assert wrong.verified is False and wrong.evidence["why"] == "no tool output reproduced the reference"
    failed = await verify("42", [run("42", error="timeout")])
    assert failed.verified is False and failed.evidence["why"] == "no successful tool run"
    echo = await verify("42", [run("42", code="print(42)")])
    assert echo.verified is False  # printing the reference back proves nothing
    assert (await verify("Paris", [run("Paris")])).verified == "not_applicable"


async def test_symbolic_answers_are_compared_by_sympy_in_the_sandbox() -> None:
    pytest.importorskip("sympy")
    verify = Verifier()
    same = await verify("x**2 + 2*x", [run("x*(x + 2)")])
    assert same.verified is True and same.evidence["matched"]["expression"] == "x*(x + 2)"
    assert (await verify("sqrt(2)/2", [run("1/sqrt(2)")])).verified is True
    other = await verify("x**2 + 2*x", [run("x**2 + 3*x")])
    assert other.verified is False and "sandbox" in other.evidence["method"]
