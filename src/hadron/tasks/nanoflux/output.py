"""A curated round as an output row, a rejected one as a ``rejects.jsonl`` record."""

from __future__ import annotations

from typing import Any

from hadron.runtime.records import RejectRecord
from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.curation import Decision
from hadron.tasks.nanoflux.records import Candidate, training_messages
from hadron.tasks.nanoflux.verify import Verification

STEP = "nanoflux"

OUTPUT_COLUMNS: tuple[str, ...] = (
    "question", "reference_answer", "explanation", "domain", "skill", "round", "hops", "reasoning_level",
    "judge", "defender_answer", "defender_response", "tool_evidence", "verified", "verification", "novelty",
    "max_similarity", "nearest", "models", "messages", "usage", "settings")


def _usage(candidate: Candidate) -> dict[str, dict[str, Any]]:
    return {role: tally.to_dict() for role, tally in candidate.usage.items()}


def kept_row(candidate: Candidate, decision: Decision, config: NanoFluxConfig) -> dict[str, Any]:
    """The output columns of a kept question (the row's ``id`` is the round id)."""
    attack, judged = candidate.attack, candidate.judged
    assert attack is not None and judged is not None and judged.verdict is not None
    verdict = judged.verdict
    verification = candidate.verification or Verification("not_applicable", "text", {"why": "not checked"})
    similarity = float(decision.similarity or 0.0)
    plan = candidate.plan
    return {
        "id": plan.id,
        "question": attack.question.strip(),
        "reference_answer": attack.answer.strip(),
        "explanation": attack.explanation.strip(),
        "domain": plan.domain,
        "skill": plan.skill,
        "round": plan.index,
        "hops": verdict.hops,
        "reasoning_level": config.level(verdict.reasoning_quality),
        "judge": {**verdict.model_dump(), "model": judged.model, "asks": judged.asks,
                  "assessment": judged.assessment},
        "defender_answer": candidate.defender_answer,
        "defender_response": candidate.defense,
        "tool_evidence": [item.model_dump() for item in judged.evidence],
        "verified": verification.verified,
        "verification": verification.to_dict(),
        "novelty": round(1.0 - similarity, 4),
        "max_similarity": round(similarity, 4),
        "nearest": decision.nearest,
        "models": {"attacker": plan.attacker_model, "defender": plan.defender_model, "judge": judged.model},
        "messages": training_messages(attack),
        "usage": _usage(candidate),
        "settings": config.settings(),
    }


def reject_detail(candidate: Candidate, decision: Decision) -> dict[str, Any]:
    """What a person needs to see why the candidate was dropped."""
    plan, attack, judged = candidate.plan, candidate.attack, candidate.judged
    detail: dict[str, Any] = {"domain": plan.domain, "skill": plan.skill, "round": plan.index,
                              "models": {"attacker": plan.attacker_model, "defender": plan.defender_model},
                              **decision.detail}
    if attack is not None:
        detail.update(question=attack.question, reference_answer=attack.answer,
                      defender_answer=candidate.defender_answer)
    if judged is not None:
        detail["judge_model"] = judged.model
        if judged.verdict is not None:
            detail["verdict"] = judged.verdict.model_dump()
        if judged.evidence:
            detail["tool_evidence"] = [item.model_dump() for item in judged.evidence]
    if candidate.verification is not None:
        detail["verification"] = candidate.verification.to_dict()
    return detail


def reject_record(candidate: Candidate, decision: Decision) -> RejectRecord:
    assert decision.reason is not None
    key = candidate.plan.id
    return RejectRecord(id=key, source_id=key, step=STEP, reason=decision.reason,
                        detail=reject_detail(candidate, decision))


__all__ = ["OUTPUT_COLUMNS", "STEP", "kept_row", "reject_detail", "reject_record"]
