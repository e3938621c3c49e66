"""Verified answers: did the judge's own tool run reproduce the attacker's reference answer?

The judge model's verdict says whether the reference is right; this checks it by computation. A
reference answer is classified first:

- **numeric** (``42``, ``-3.5``, ``1,200``, ``$12.50``, ``7/8``, ``25%``, ``12 km``): verified when a
  number printed by a successful tool call equals it (relative tolerance 1e-6), or equals it once
  rounded to the reference's own decimals (a reference of ``3.14`` is reproduced by ``3.14159``).
  A percentage is also matched by its fraction (``25%`` by ``0.25``).
- **symbolic** (``x**2 + 2*x``, ``sqrt(2)/2``, ``3*pi``): verified when ``sympy`` (inside the
  sandbox: parsing model text is evaluation) finds a line of a successful tool output whose
  difference from the reference simplifies to zero.
- **text** (anything else: names, sentences): ``not_applicable``.

Every item records ``verified`` (``true``, ``false`` or ``"not_applicable"``) with its evidence: the
kind, the parsed reference, how it was compared, and the matching call (or why there is none).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from hadron.sandbox import SandboxLimits, arun_python
from hadron.tasks.nanoflux.records import ToolEvidence

Verified = bool | Literal["not_applicable"]
Kind = Literal["numeric", "symbolic", "text"]

REL_TOL = 1e-6
_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?:\s*/\s*\d+(?![\d.]))?")
_NUMERIC_ANSWER = re.compile(
    r"^\s*(?:[a-z]\s*=\s*)?[$€£¥]?\s*(?P<num>[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
    r"(?:\s*/\s*\d+)?)\s*(?P<pct>%|percent)?\s*(?P<unit>[A-Za-z°µ/²³^\s.]{0,24})\s*$",
    re.IGNORECASE)
_SYMBOLIC = re.compile(r"^[\w\s+\-*/^().,=√π]{1,160}$")
_OPERATOR = re.compile(r"[+\-*/^()√π]|\b(?:sqrt|pi|exp|log|sin|cos|tan)\b")
_WORD = re.compile(r"[A-Za-z]{4,}")
_FUNCTIONS = {"sqrt", "exp", "log", "sin", "cos", "tan", "asin", "acos", "atan", "factorial", "binomial"}


@dataclass(slots=True)
class Verification:
    verified: Verified
    kind: Kind
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"verified": self.verified, "kind": self.kind, **self.evidence}


@dataclass(frozen=True, slots=True)
class Reference:
    kind: Kind
    text: str
    value: Fraction | None = None
    decimals: int | None = None
    percent: bool = False


def parse_number(text: str) -> Fraction | None:
    """``1,200`` / ``-3.5`` / ``7/8`` / ``2e3`` as an exact fraction; None when it is not one."""
    cleaned = text.replace(",", "").replace(" ", "")
    try:
        if "/" in cleaned:
            top, bottom = cleaned.split("/", 1)
            return Fraction(top) / Fraction(bottom) if Fraction(bottom) != 0 else None
        return Fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        return None


def classify(answer: str) -> Reference:
    """What kind of reference answer this is, and its value when numeric."""
    text = answer.strip().rstrip(".")
    match = _NUMERIC_ANSWER.match(text)
    if match is not None:
        value = parse_number(match["num"])
        unit_words = _WORD.findall(match["unit"] or "")
        if value is not None and len(unit_words) <= 2:
            raw = match["num"].replace(",", "")
            decimals = len(raw.split(".", 1)[1].split("e")[0].split("E")[0]) if "." in raw else 0
            return Reference("numeric", text, value, decimals if "/" not in raw else None, bool(match["pct"]))
    words = {word.lower() for word in _WORD.findall(text)}
    if _SYMBOLIC.match(text) and _OPERATOR.search(text) and words <= _FUNCTIONS | {"pi"}:
        return Reference("symbolic", text)
    return Reference("text", text)


def _numbers(output: str) -> list[tuple[str, Fraction]]:
    found = []
    for match in _NUMBER.finditer(output):
        value = parse_number(match.group())
        if value is not None:
            found.append((match.group().strip(), value))
    return found


def _numeric_match(reference: Reference, value: Fraction) -> str | None:
    """How ``value`` reproduces the reference (a short description), or None."""
    assert reference.value is not None
    targets = [(reference.value, "")]
    if reference.percent:
        targets.append((reference.value / 100, " (as a fraction of 1)"))
    for target, note in targets:
        scale = max(abs(float(target)), 1e-12)
        if value == target or abs(float(value) - float(target)) <= REL_TOL * scale:
            return f"equal within relative {REL_TOL:g}{note}"
        places = reference.decimals
        if (places and math.isfinite(float(value))
                and round(float(value), places) == round(float(target), places)):
            return f"equal rounded to {places} decimals{note}"
    return None


def _echo(item: ToolEvidence) -> bool:
    """The call only prints a literal (``print(42)``): it restates a number, it computes nothing."""
    code = "".join(str(item.arguments.get("code") or "").split())
    return bool(re.fullmatch(r"(?:print\()?[-+]?[\d.,/eE]+\)?;?", code))


def _successful(evidence: list[ToolEvidence]) -> list[ToolEvidence]:
    """Calls that ran to the end and computed something (echoes of a literal do not count)."""
    return [item for item in evidence if item.error_kind is None and item.output.strip() and not _echo(item)]


def verify_numeric(reference: Reference, evidence: list[ToolEvidence]) -> Verification:
    runs = _successful(evidence)
    base = {"reference": reference.text, "value": str(reference.value), "tool_runs": len(runs),
            "method": "a number in a successful tool output equals the reference"}
    for item in runs:
        for text, value in _numbers(item.output):
            how = _numeric_match(reference, value)
            if how is not None:
                return Verification(True, "numeric", {**base, "matched": {
                    "call_id": item.call_id, "number": text, "how": how, "output": item.output[:300]}})
    why = "no successful tool run" if not runs else "no tool output reproduced the reference"
    return Verification(False, "numeric", {**base, "matched": None, "why": why})


_SYMPY_CHECK = """
import json
reference, outputs = json.loads({payload!r})
try:
    import sympy
    from sympy.parsing.sympy_parser import (parse_expr, standard_transformations,
        implicit_multiplication_application, convert_xor)
except ImportError:
    print(json.dumps({{"sympy": False}}))
    raise SystemExit(0)
T = standard_transformations + (implicit_multiplication_application, convert_xor)
def parse(text):
    return parse_expr(text.replace("\\u221a", "sqrt").replace("\\u03c0", "pi"), transformations=T)
ref = parse(reference)
found = None
for call_id, output in outputs:
    for line in output.splitlines()[-20:]:
        line = line.strip().split("=")[-1].strip()
        if not line or len(line) > 200:
            continue
        try:
            if sympy.simplify(parse(line) - ref) == 0:
                found = [call_id, line]
                break
        except Exception:
            continue
    if found:
        break
print(json.dumps({{"sympy": True, "reference": str(ref), "found": found}}))
"""


async def verify_symbolic(reference: Reference, evidence: list[ToolEvidence], limits: SandboxLimits,
                          *, unsafe: bool) -> Verification:
    runs = _successful(evidence)
    base = {"reference": reference.text, "tool_runs": len(runs),
            "method": "sympy.simplify(output - reference) == 0, run in the sandbox"}
    if not runs:
        return Verification(False, "symbolic", {**base, "matched": None, "why": "no successful tool run"})
    payload = json.dumps([reference.text, [[item.call_id, item.output[-4000:]] for item in runs]])
    result = await arun_python(_SYMPY_CHECK.format(payload=payload), limits, unsafe=unsafe)
    try:
        answer = json.loads(result.stdout.strip().splitlines()[-1]) if result.ok else None
    except (ValueError, IndexError):
        answer = None
    if answer is None:
        return Verification(False, "symbolic", {**base, "matched": None,
                                                "why": f"the check did not run: {result.status} "
                                                       f"{(result.error or '')[:200]}"})
    if not answer.get("sympy"):
        return Verification("not_applicable", "symbolic",
                            {**base, "why": "sympy is not installed: a symbolic answer cannot be checked"})
    found = answer.get("found")
    if found:
        return Verification(True, "symbolic", {**base, "value": answer.get("reference"),
                                               "matched": {"call_id": found[0], "expression": found[1]}})
    return Verification(False, "symbolic", {**base, "value": answer.get("reference"), "matched": None,
                                            "why": "no tool output line equals the reference"})


@dataclass(frozen=True, slots=True)
class Verifier:
    """Checks a round's reference answer against its judge's tool evidence."""

    limits: SandboxLimits = field(default_factory=SandboxLimits)
    unsafe: bool = False

    async def __call__(self, answer: str, evidence: list[ToolEvidence]) -> Verification:
        reference = classify(answer)
        if reference.kind == "numeric":
            return verify_numeric(reference, evidence)
        if reference.kind == "symbolic":
            return await verify_symbolic(reference, evidence, self.limits, unsafe=self.unsafe)
        return Verification("not_applicable", "text",
                            {"reference": reference.text, "why": "the reference answer is not a number or "
                                                                 "an expression"})


__all__ = ["Reference", "Verification", "Verified", "Verifier", "classify", "parse_number",
           "verify_numeric", "verify_symbolic"]
