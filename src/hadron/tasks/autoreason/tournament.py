"""The AutoReason loop for one prompt, usable without the pipeline runtime.

Teacher writes A. Each pass: critic -> author B -> synthesizer AB (after B for ``merge``, beside it
for ``minimal_repair``) -> N judges in parallel -> Borda -> the winner becomes (or stays) the
incumbent. Converged when the incumbent wins ``k`` passes in a row; the pass cap or a budget stops it
otherwise. ``final_source`` follows the incumbent's text back to the candidate and pass that wrote it.

    async with ModelHub() as hub:
        columns = await refine("Explain TCP slow start.", "row-1", hub, AutoReasonConfig())
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hadron.core.conversation import ConversationError, check_turns, conversation_of, transcript
from hadron.llm.types import Completion, Message
from hadron.tasks.autoreason.borda import borda, decide, is_void
from hadron.tasks.autoreason.config import AutoReasonConfig, RoleConfig
from hadron.tasks.autoreason.errors import BadConversation, EmptyDraft, EmptyPrompt
from hadron.tasks.autoreason.judging import JudgePanel
from hadron.tasks.autoreason.records import (
    Candidate,
    FinalSource,
    Incumbent,
    MethodColumns,
    PassRecord,
    PassSource,
    Role,
    RoleText,
    SynthesisText,
)
from hadron.tasks.autoreason.roles import Ledger, RoleCall, has_text, no_flaws
from hadron.tasks.autoreason.stopping import (
    Budget,
    KeepStreak,
    MaxPasses,
    Stopper,
    TournamentState,
    any_of,
)
from hadron.tasks.autoreason.synthesis import Drafts, Synthesizer, build_synthesizer

if TYPE_CHECKING:
    from hadron.llm import ModelHub

CANDIDATES: tuple[Candidate, ...] = ("A", "B", "AB")


def check_prompt(prompt: object) -> str:
    if not isinstance(prompt, str) or not prompt.strip():
        raise EmptyPrompt("empty prompt: nothing to answer")
    return prompt


Prompt = str | Sequence[Message]
"""A prompt text (one user turn) or a whole conversation (``hadron.core.conversation``)."""


def as_conversation(prompt: Prompt) -> list[Message]:
    """The turns the teacher is sent: a text becomes one user turn."""
    if isinstance(prompt, str):
        return [{"role": "user", "content": check_prompt(prompt)}]
    try:
        return check_turns(prompt)
    except ConversationError as err:
        raise BadConversation(str(err)) from err


def row_conversation(row: Mapping[str, Any], prompt_column: str = "prompt") -> list[Message]:
    """A row's conversation (``messages``, or ``prompt_column``; ``system`` first), or the row fails."""
    if row.get("messages") is None:
        check_prompt(row.get(prompt_column))
    try:
        return conversation_of(row, prompt=prompt_column)
    except ConversationError as err:
        raise BadConversation(str(err)) from err


def prompt_inputs(column: str) -> tuple[str, ...]:
    """The columns a step reading ``column`` declares. The default ``prompt`` declares none: a row may
    hold ``messages`` instead, which the source checks up front and the step row by row."""
    return () if column == "prompt" else (column,)


async def first_draft(teacher: RoleCall, ledger: Ledger, prompt: Prompt, row_id: str,
                      sample_index: int = 0) -> Completion:
    """The teacher's answer to exactly the user's conversation; an empty one fails the row instead of
    being refined or exported (and is not cached, so a retry asks again)."""
    draft = await teacher(ledger, row_id=row_id, pass_index=0, sample_index=sample_index,
                          turns=as_conversation(prompt), accept=has_text)
    if not draft.text.strip():
        why = f" (finish_reason={draft.finish_reason})" if draft.finish_reason else ""
        raise EmptyDraft(f"the teacher returned an empty answer{why}")
    return draft


def role_text(completion: Completion) -> RoleText:
    return RoleText(text=completion.text.strip(), reasoning=completion.reasoning,
                    model=completion.served_by or completion.model,
                    finish_reason=completion.finish_reason)


@dataclass(frozen=True)
class Tournament:
    """The roles bound to their models; build once per run, then ``refine`` each prompt."""

    config: AutoReasonConfig
    teacher: RoleCall
    critic: RoleCall
    author_b: RoleCall
    synthesizer: Synthesizer
    panel: JudgePanel
    stop: Stopper

    @classmethod
    def from_hub(cls, hub: ModelHub, config: AutoReasonConfig,
                 synthesizer: Synthesizer | None = None) -> Tournament:
        def bind(role: Role, settings: RoleConfig) -> RoleCall:
            return RoleCall.build(role, hub.get(config.role_model(settings)), settings, template=f"{role}.j2")

        stoppers: list[Stopper] = [KeepStreak(config.k), MaxPasses(config.max_passes)]
        if config.budget_usd is not None:
            stoppers.append(Budget(config.budget_usd))
        return cls(
            config=config, teacher=bind("teacher", config.teacher), critic=bind("critic", config.critic),
            author_b=bind("author_b", config.author_b),
            synthesizer=synthesizer or build_synthesizer(
                config.synthesis, hub.get(config.role_model(config.synthesizer)), config.synthesizer),
            panel=JudgePanel.build([hub.get(spec) for spec in config.judge_models()], config.judge),
            stop=any_of(*stoppers),
        )

    async def refine(self, prompt: Prompt, row_id: str) -> MethodColumns:
        """``prompt``: a text or the user's conversation; the teacher is sent exactly it, the other
        roles read it as one text (``transcript``)."""
        conversation = as_conversation(prompt)
        ledger = Ledger()
        draft = await first_draft(self.teacher, ledger, conversation, row_id)
        prompt = transcript(conversation)
        incumbent = Incumbent(text=draft.text.strip(), source=PassSource(candidate="A", pass_=0),
                              truncated=draft.truncated)
        trace: list[PassRecord] = []
        state = TournamentState(passes=0, streak=0)
        while not self.stop(state):
            record = await self.run_pass(prompt, row_id, state.passes + 1, incumbent, ledger)
            trace.append(record)
            streak = 0 if record.void else state.streak + 1
            if not record.void and record.winner != "A":
                winner: Candidate = "B" if record.winner == "B" else "AB"
                challenger = record.b if winner == "B" else record.ab
                assert challenger is not None  # a judged pass always has both challengers
                incumbent = Incumbent(text=challenger.text,
                                      source=PassSource(candidate=winner, pass_=record.pass_),
                                      truncated=challenger.finish_reason == "length")
                streak = 0
            state = TournamentState(passes=record.pass_, streak=streak, cost_usd=ledger.cost_usd)
        return MethodColumns(
            method="autoreason", generation=incumbent.text,
            final_source=FinalSource(candidate=incumbent.source.candidate, pass_=incumbent.source.pass_),
            converged=state.streak >= self.config.k, passes=state.passes, settings=self.settings(),
            truncated=incumbent.truncated, trace=list(trace), reasoning=ledger.reasoning,
            usage=ledger.usage_records())

    def settings(self) -> dict[str, object]:
        settings = self.config.settings()
        settings["synthesis"] = self.synthesizer.mode
        return settings

    async def run_pass(self, prompt: str, row_id: str, pass_index: int, incumbent: Incumbent,
                       ledger: Ledger) -> PassRecord:
        """One pass; never raises for bad ballots (a pass without enough readable ones is void)."""
        config = self.config
        critique = role_text(await self.critic(
            ledger, row_id=row_id, pass_index=pass_index, prompt=prompt, response=incumbent.text,
            allow_no_flaws=config.critic_short_circuit))
        if config.critic_short_circuit and no_flaws(critique.text):
            return PassRecord(pass_=pass_index, incumbent=incumbent, critique=critique, winner="A",
                              short_circuit=True)
        drafts = Drafts(prompt=prompt, a=incumbent.text, critique=critique.text, b=None, row_id=row_id,
                        pass_index=pass_index)
        write_b = self.author_b(ledger, row_id=row_id, pass_index=pass_index, prompt=prompt,
                                response=incumbent.text, critique=critique.text)
        if self.synthesizer.needs_b:
            b_done = await write_b
            ab_done = await self.synthesizer.synthesize(dataclasses.replace(drafts, b=b_done.text), ledger)
        else:
            b_done, ab_done = await asyncio.gather(write_b, self.synthesizer.synthesize(drafts, ledger))
        b = role_text(b_done)
        ab = SynthesisText(**role_text(ab_done).model_dump(), mode=self.synthesizer.mode)
        texts = {"A": incumbent.text, "B": b.text, "AB": ab.text}
        ballots = await self.panel.vote(ledger, prompt=prompt, candidates=texts, row_id=row_id,
                                        pass_index=pass_index, incumbent="A")
        rankings = [ballot.ranking for ballot in ballots if ballot.valid and ballot.ranking is not None]
        scores = borda(rankings, CANDIDATES)
        record = PassRecord(pass_=pass_index, incumbent=incumbent, critique=critique, b=b, ab=ab,
                            ballots=ballots, borda=scores, winner="A")
        if is_void(len(rankings), len(ballots)):
            record.void = True
            return record
        decision = decide(scores, incumbent="A", tie_order=config.tie_order, margin=config.margin,
                          eligible=[c for c, text in texts.items() if text])
        record.winner, record.margin = decision.winner, decision.margin
        return record


async def refine(prompt: Prompt, row_id: str, models: ModelHub, config: AutoReasonConfig | None = None,
                 ) -> MethodColumns:
    """Refine one prompt with a fresh ``Tournament`` (for many prompts, build one and reuse it)."""
    return await Tournament.from_hub(models, config or AutoReasonConfig()).refine(prompt, row_id)


__all__ = [
    "CANDIDATES",
    "Prompt",
    "Tournament",
    "as_conversation",
    "check_prompt",
    "first_draft",
    "prompt_inputs",
    "refine",
    "role_text",
    "row_conversation",
]
