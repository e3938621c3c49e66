"""Turn AutoReason / baseline rows into neutral records: SFT conversations, DPO pairs, CoT, critic triples.

Each extractor takes one row and returns the records plus the reasons anything was left out, so the
exporter can report "written 12, skipped void_pass=3 identical_texts=1" instead of dropping silently.
A row that contradicts the contract (a winner that is not a candidate) raises ``RowError``. These are
the ``records`` of the AutoReason task and of the baselines (``task.py``, ``tasks/baselines.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hadron.core.conversation import ConversationError, conversation_of, transcript
from hadron.data.exports import (
    Conversation,
    CriticTriple,
    Extraction,
    Message,
    PairScores,
    Preference,
    ReasoningTrace,
    RowError,
)
from hadron.data.exports.critic import critic_conversations
from hadron.data.exports.records import text_message
from hadron.tasks.autoreason.view import PassTrace, RunRow, Source

RowLike = Mapping[str, Any] | RunRow

PRODUCER = {"A": "teacher", "B": "author_b", "AB": "synthesizer", "sample": "teacher"}
"""The role that writes each kind of candidate (A is only ever written by the teacher, at pass 0)."""

REVISIONS = ("B", "AB")


def require_prompt(row: RunRow) -> str:
    """The task as one text (the prompt, or the conversation's ``transcript``), as the critic read it."""
    return transcript(_turns(row))


def prompt_messages(row: RunRow) -> list[Message]:
    """Exactly the conversation the teacher was sent (``hadron.core.conversation``): the row's system
    text (if any), then its ``messages`` or its prompt as the user turn."""
    return [text_message(turn["role"], turn["content"]) for turn in _turns(row)]


def _turns(row: RunRow) -> list[dict[str, Any]]:
    try:
        return conversation_of({"prompt": row.prompt, "system": row.system,
                                "messages": row.messages if row.generation is not None else None})
    except ConversationError as err:
        raise RowError(row.id, "prompt", f"{err} (needed to build a training example)") from err


def sft_records(row: RowLike) -> Extraction[Conversation]:
    """Prompt → final generation. A row with ``messages`` and no ``generation`` already holds a finished
    conversation and is used as is; with a generation, ``messages`` are the conversation it answers."""
    view = RunRow.of(row)
    out: Extraction[Conversation] = Extraction()
    if view.messages is not None and view.generation is None:
        conversation = Conversation.model_validate(
            {"row_id": view.id, "messages": view.messages, "tools": view.tools})
        out.records.append(conversation)
        return out
    if not (view.generation or "").strip():
        return out.skip("no_generation")
    messages = [*prompt_messages(view), text_message("assistant", view.generation or "")]
    out.records.append(Conversation(row_id=view.id, messages=messages, truncated=view.cut))
    return out


def dpo_records(row: RowLike) -> Extraction[Preference]:
    """Every ordered pair of every judged pass; void and short-circuited passes are skipped.

    The winner against each other candidate is a ``best`` pair; two other candidates make a pair with
    the higher-scored one chosen (equal scores: no order, skipped as ``tied_scores``). The export's
    options then keep ``best`` pairs only, or all, above a Borda margin (``data/exports/options.py``).
    A pair whose texts are equal (after trimming) teaches nothing and is skipped. So is a pair where the
    loser scored more Borda points than the winner (the incumbent kept by the margin rule): the judges
    preferred the "rejected" text, and training against it would invert their verdict.
    """
    view = RunRow.of(row)
    out: Extraction[Preference] = Extraction()
    if not view.trace:
        return out.skip("no_trace")
    prompt = prompt_messages(view)
    for number, judged in enumerate(view.trace):
        if judged.void:
            out.skip("void_pass")
        elif judged.short_circuit:
            out.skip("short_circuit_pass")
        elif not judged.scores() or judged.winner is None:
            out.skip("unscored_pass")
        else:
            _add_pairs(view.id, f"trace.{number}", judged, prompt, out)
    return out


def _add_pairs(row_id: str, where: str, judged: PassTrace, prompt: list[Message],
               out: Extraction[Preference]) -> None:
    scores, texts, cut = judged.scores(), judged.candidates(), judged.cut()
    winner = _known(row_id, f"{where}.winner", judged.winner or "", texts)
    for label in texts:
        _known(row_id, f"{where}.borda", label, scores)
    labels = list(texts)
    for position, first in enumerate(labels):
        for second in labels[position + 1:]:
            if winner in (first, second):
                chosen = winner
                rejected = second if first == winner else first
                if scores[rejected] > scores[chosen]:
                    out.skip("loser_outscored_winner")
                    continue
            elif scores[first] == scores[second]:
                out.skip("tied_scores")
                continue
            else:
                chosen, rejected = (first, second) if scores[first] > scores[second] else (second, first)
            if texts[chosen].strip() == texts[rejected].strip():
                out.skip("identical_texts")
                continue
            out.records.append(Preference(
                row_id=row_id, prompt=prompt,
                chosen=[text_message("assistant", texts[chosen])],
                rejected=[text_message("assistant", texts[rejected])],
                scores=PairScores(judged.pass_index, chosen, rejected, scores),
                best=chosen == winner, truncated=bool({chosen, rejected} & cut)))


def cot_records(row: RowLike) -> Extraction[ReasoningTrace]:
    """Prompt → reasoning + final text, from the role that wrote the final text (teacher for A@0,
    author_b for B@p, synthesizer for AB@p, the teacher's sample i for best_of_n)."""
    view = RunRow.of(row)
    out: Extraction[ReasoningTrace] = Extraction()
    source = view.final_source
    if not (view.generation or "").strip():
        return out.skip("no_generation")
    if source is None:
        return out.skip("no_final_source")
    role = PRODUCER.get(source.candidate)
    if role is None:
        raise RowError(view.id, "final_source.candidate", f"unknown candidate {source.candidate!r}")
    reasoning = _reasoning_of(view, source, role)
    if not reasoning.strip():
        return out.skip("no_reasoning")
    out.records.append(ReasoningTrace(
        row_id=view.id, prompt=prompt_messages(view), reasoning=reasoning, answer=view.generation or "",
        role=role, pass_index=source.pass_index, candidate=source.candidate, truncated=view.cut))
    return out


def critic_records(row: RowLike) -> Extraction[CriticTriple]:
    """(draft, critique, revision) per pass with a critique: the incumbent, the critique, and the
    revision that won the pass if B or AB won, else B."""
    view = RunRow.of(row)
    out: Extraction[CriticTriple] = Extraction()
    if not view.trace:
        return out.skip("no_trace")
    for judged in view.trace:
        if judged.critique is None or not judged.critique.text.strip():
            out.skip("no_critique")
            continue
        if judged.short_circuit:  # the critic found nothing to fix, so nothing was revised
            out.skip("short_circuit_pass")
            continue
        if judged.incumbent is None:
            out.skip("no_draft")
            continue
        texts = judged.candidates()
        source = judged.winner if judged.winner in REVISIONS and not judged.void else "B"
        if source not in texts:
            out.skip("no_revision")
            continue
        out.records.append(CriticTriple(
            row_id=view.id, pass_index=judged.pass_index, prompt=require_prompt(view),
            draft=judged.incumbent.text, critique=judged.critique.text, revision=texts[source],
            revision_source=source, revision_won=source == judged.winner and not judged.void,
            critique_truncated=judged.critique.cut, revision_truncated=source in judged.cut()))
    return out


def critic_sft_records(row: RowLike) -> Extraction[Conversation]:
    """The critic triples as SFT conversations (critique, then revision: ``data/exports/critic.py``)."""
    return critic_conversations(critic_records(row))


EXTRACTORS: dict[str, Callable[[RowLike], Extraction[Any]]] = {
    "sft": sft_records,
    "dpo": dpo_records,
    "cot": cot_records,
    "critic": critic_records,
    "critic_sft": critic_sft_records,
}


def _known(row_id: str, field_path: str, label: str, among: Mapping[str, Any]) -> str:
    if label not in among:
        raise RowError(row_id, field_path, f"no entry {label!r} (has {', '.join(among) or 'none'})")
    return label


def _reasoning_of(view: RunRow, source: Source, role: str) -> str:
    """The producing role's reasoning: the row's ``reasoning`` list first, then the pass's own record."""
    for entry in view.reasoning:
        if entry.role != role or entry.pass_index != source.pass_index:
            continue
        if source.candidate == "sample" and entry.index != source.index:
            continue
        return entry.text
    judged = _pass(view, source.pass_index)
    produced = {"B": judged.b, "AB": judged.ab}.get(source.candidate) if judged else None
    return (produced.reasoning or "") if produced else ""


def _pass(view: RunRow, pass_index: int) -> PassTrace | None:
    return next((judged for judged in view.trace if judged.pass_index == pass_index), None)
