"""The judge panel: N blind ballots in parallel, each re-asked until readable or out of asks.

The judges' display orders form one counterbalanced design per pass (``hadron.llm.panel``): every
candidate is shown in every position equally often across the panel, so a judge that ranks by position
alone cannot move the Borda count. With ``consistency: swap`` each judge is also asked with its order
reversed (calls filed under the role ``judge_swap``); its ballot counts only if both rankings agree.

Used by the tournament (candidates A, B, AB) and by best-of-n (candidates = sample indices). With a
backend that constrains output to a JSON schema, the ballot's ``ranking`` is an enum of every full
order of the judge's labels, so even the weakest model returns a valid permutation; elsewhere the judge
ends with a ``RANKING:`` line that is parsed and, when unreadable, asked for again. Every ask is
counted; a ballot is never dropped silently and never guessed.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import jinja2

from hadron.llm.panel import Slot, panel_orders
from hadron.llm.types import Completion, Message
from hadron.prompts import load_template, render
from hadron.tasks.autoreason.ballot import (
    LABEL_PREFIX,
    MAX_ENUM_CANDIDATES,
    ParsedRanking,
    ballot_schema,
    clip_reasoning,
    labels,
    map_back,
    parse_ballot,
    parse_order,
    text_before_ranking,
)
from hadron.tasks.autoreason.config import JudgeConfig
from hadron.tasks.autoreason.records import BallotRecord, Role, SwapAsk
from hadron.tasks.autoreason.roles import TASK, Ledger, RoleCall, call_seed

if TYPE_CHECKING:
    from hadron.llm import ChatModel


_DELIMITER = re.compile(rf"[*_#`]*(?:BEGIN|END)\s+{LABEL_PREFIX}[\s\-_]?\d+[*_`]*", re.IGNORECASE)


def escape_delimiters(text: str) -> str:
    """Prefix ``\\`` to every line of a candidate that looks like a ``BEGIN X2`` / ``END X1`` line, so a
    candidate cannot close its own block and open forged ones. Deterministic (no nonce): the same
    candidate gives the same prompt, so cache keys stay stable across reruns."""
    return "".join("\\" + line if _DELIMITER.fullmatch(line.strip()) else line
                   for line in text.splitlines(keepends=True))


def example_order(label_set: Sequence[str], *, structured: bool) -> str:
    """A sample ranking for the prompt, deliberately not the display order."""
    rotated = [*label_set[1:], *label_set[:1]]
    return " > ".join(rotated) if structured else ", ".join(rotated)


@dataclass(frozen=True, slots=True)
class _Asked:
    """One judge's answer to one display order, mapped back to candidates."""

    model: str
    permutation: dict[str, str]
    raw: str
    reasoning: str | None
    ranking: list[str] | None
    asks: int
    error: str | None
    finish_reason: str | None = None
    """Of the last ask."""


@dataclass(frozen=True)
class JudgePanel:
    judges: tuple[RoleCall, ...]
    config: JudgeConfig
    reask: jinja2.Template

    @classmethod
    def build(cls, models: Sequence[ChatModel], config: JudgeConfig) -> JudgePanel:
        judges = tuple(RoleCall.build("judge", model, config, template="judge.j2") for model in models)
        return cls(judges=judges, config=config, reask=load_template("ballot_reask.j2", task=TASK))

    def structured(self, model: ChatModel, n_candidates: int) -> bool:
        if n_candidates > MAX_ENUM_CANDIDATES or self.config.ballot == "text":
            return False
        return self.config.ballot == "json" or model.supports_schema

    async def vote(self, ledger: Ledger, *, prompt: str, candidates: Mapping[str, str], row_id: str,
                   pass_index: int, incumbent: str | None = None) -> list[BallotRecord]:
        """One ballot per judge, all judges at once, shown the orders of one counterbalanced design
        (``incumbent``: the candidate a tie keeps, shown earliest to judges a design cannot balance)."""
        slots = panel_orders(list(candidates), len(self.judges), key=(row_id, pass_index),
                             design=self.config.design, incumbent=incumbent)
        return list(await asyncio.gather(*(
            self._ballot(ledger, judge, slot, prompt=prompt, candidates=candidates, row_id=row_id,
                         pass_index=pass_index)
            for judge, slot in enumerate(slots))))

    async def _ballot(self, ledger: Ledger, judge: int, slot: Slot, *, prompt: str,
                      candidates: Mapping[str, str], row_id: str, pass_index: int) -> BallotRecord:
        ask = functools.partial(self._ask, ledger, judge, prompt=prompt, candidates=candidates,
                                row_id=row_id, pass_index=pass_index)
        if self.config.consistency == "swap":
            first, second = await asyncio.gather(ask(slot.order, role="judge"),
                                                 ask(slot.order[::-1], role="judge_swap"))
        else:
            first, second = await ask(slot.order, role="judge"), None
        kept, cut = clip_reasoning(first.reasoning)
        record = BallotRecord(
            judge=judge, model=first.model, permutation=first.permutation, raw=first.raw,
            reasoning=kept, reasoning_truncated=cut, ranking=first.ranking, valid=first.ranking is not None,
            finish_reason=first.finish_reason, asks=first.asks, error=first.error, design=slot.design,
            slot=slot.index)
        if second is None:
            return record
        record.swap = SwapAsk(permutation=second.permutation, raw=second.raw, ranking=second.ranking,
                              valid=second.ranking is not None, asks=second.asks)
        if record.valid and second.ranking is None:
            record.valid = False
            record.error = f"the re-ask with the order reversed was unreadable: {second.error}"
        elif record.valid and second.ranking != first.ranking:
            record.valid, record.disagreed = False, True
            record.error = "the re-ask with the order reversed ranked differently"
        return record

    async def _ask(self, ledger: Ledger, judge: int, order: tuple[str, ...], *, role: Role, prompt: str,
                   candidates: Mapping[str, str], row_id: str, pass_index: int) -> _Asked:
        """One judge shown ``order`` (re-asked until readable); its calls go to ``ledger`` as ``role``."""
        call = self.judges[judge]
        perm = dict(zip(labels(len(order)), order, strict=True))
        label_set = tuple(perm)
        structured = self.structured(call.model, len(label_set))
        shown = [{"label": label, "text": escape_delimiters(candidates[c])} for label, c in perm.items()]
        messages = call.messages(prompt=prompt, candidates=shown, structured=structured,
                                 example=example_order(label_set, structured=structured))
        seed = call_seed(row_id, role, pass_index, judge)
        if structured:
            completions, parsed, reasoning = await self._ask_json(call, messages, label_set, row_id=row_id,
                                                                  seed=seed, judge=judge, role=role)
        else:
            completions, parsed = await self._ask_text(call, messages, label_set, row_id=row_id, seed=seed,
                                                       judge=judge, role=role)
            last = completions[-1]
            reasoning = last.reasoning or (text_before_ranking(last.text) if parsed.order else None)
        for number, completion in enumerate(completions):
            ledger.add(role, completion, pass_index=pass_index, reask=number > 0, index=judge)
        if parsed.order and reasoning and not completions[-1].reasoning:
            ledger.note(role, pass_index, reasoning, index=judge)
        return _Asked(model=call.served_by(completions[-1]), permutation=perm, raw=completions[-1].text,
                      reasoning=reasoning, ranking=map_back(parsed.order, perm) if parsed.order else None,
                      asks=len(completions), error=parsed.error, finish_reason=completions[-1].finish_reason)

    async def _ask_json(self, call: RoleCall, messages: list[Message], label_set: tuple[str, ...], *,
                        row_id: str, seed: int, judge: int, role: Role,
                        ) -> tuple[list[Completion], ParsedRanking, str | None]:
        result = await call.model.chat_json(
            messages, ballot_schema(len(label_set)), max_reasks=self.config.max_reasks, role=role,
            route_key=row_id, temperature=self.config.temperature, max_tokens=self.config.max_tokens,
            seed=seed, sample_index=judge)
        if result.value is None:
            return result.completions, ParsedRanking(None, result.error or "no ballot"), None
        value = result.value
        parsed = parse_order(str(getattr(value, "ranking", "")), label_set)
        reasoning = result.completions[-1].reasoning or str(getattr(value, "reasoning", "")).strip() or None
        return result.completions, parsed, reasoning

    async def _ask_text(self, call: RoleCall, messages: list[Message], label_set: tuple[str, ...], *,
                        row_id: str, seed: int, judge: int, role: Role,
                        ) -> tuple[list[Completion], ParsedRanking]:
        completions: list[Completion] = []
        conversation = list(messages)
        def readable(completion: Completion) -> bool:  # an unreadable ballot is never replayed
            parsed = parse_ballot(completion.text, label_set, allow_partial=self.config.partial_ballots)
            return parsed.order is not None

        for ask in range(self.config.max_reasks + 1):
            completion = await call.model.chat(
                conversation, role=role, route_key=row_id, temperature=self.config.temperature,
                max_tokens=self.config.max_tokens, seed=seed, sample_index=judge, reask=ask > 0,
                accept=readable)
            completions.append(completion)
            parsed = parse_ballot(completion.text, label_set, allow_partial=self.config.partial_ballots)
            if parsed.order is not None or ask == self.config.max_reasks:
                return completions, parsed
            reask = render(self.reask, error=parsed.error, labels=label_set,
                           example=example_order(label_set, structured=False))
            conversation = [*conversation, {"role": "assistant", "content": completion.text},
                            {"role": "user", "content": reask}]
        raise AssertionError("unreachable")  # the loop always returns on its last ask


__all__ = ["JudgePanel", "escape_delimiters", "example_order"]
