"""A role is a template, a system prompt, a model and its sampling: render, call, account.

Every call goes through ``ChatModel.chat`` with ``route_key=row_id`` and a seed from
``stable_hash(row_id, role, pass, sample)``, so the request (and its cache key) is the same on every
run: a resumed run replays answered calls from the cache for free. Each call's usage and reasoning
land in the row's ``Ledger`` under the role that made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import jinja2

from hadron.core import stable_hash
from hadron.llm import Tally
from hadron.llm.types import Accept, Completion, Message
from hadron.prompts import load_template, render
from hadron.tasks.autoreason.config import RoleConfig
from hadron.tasks.autoreason.records import ROLES, ReasoningEntry, Role, UsageRecord

if TYPE_CHECKING:
    from hadron.llm import ChatModel

TASK = "autoreason"

SYSTEM_PROMPTS: dict[str, str | None] = {
    "teacher": None,
    "critic": "You are a strict, careful reviewer. You point out real problems and never invent them.",
    "author_b": "You are a careful writer. You revise a response to fix the problems a reviewer found.",
    "merge": "You are a careful editor. You combine two drafts into one better response.",
    "minimal_repair": "You are a careful editor. You repair a response with the smallest changes.",
    "judge": "You are an impartial judge. You compare responses on their merits, not on their order "
             "or length.",
}
"""Packaged default system prompts; a role's ``system`` setting replaces them."""


def call_seed(row_id: str, role: str, pass_index: int, sample_index: int = 0) -> int:
    """The sampling seed of one call: reproducible, distinct per row, role, pass and sample."""
    return stable_hash("seed", row_id, role, pass_index, sample_index) % 2**31


_ROLE_RANK: dict[str, int] = {role: rank for rank, role in enumerate(ROLES)}
_Key = tuple[int, int, int]


def _key(role: Role, pass_index: int, index: int | None) -> _Key:
    return (pass_index, _ROLE_RANK[role], -1 if index is None else index)


@dataclass
class Ledger:
    """One row's calls by role: usage (the row's ``usage``) and reasoning traces (its ``reasoning``).

    Parallel calls (the judges, author B beside a minimal repair, best-of-n samples) finish in any
    order, so each entry is filed under (pass, role, index) and read back sorted by that key; one key
    is one sequential chain of calls (a judge and its re-asks), which the stable sort keeps in order.
    The row is then the same bytes whichever call happened to finish first.
    """

    _calls: list[tuple[_Key, Role, Tally]] = field(default_factory=list)
    _notes: list[tuple[_Key, ReasoningEntry]] = field(default_factory=list)

    def add(self, role: Role, completion: Completion, *, pass_index: int, reask: bool = False,
            index: int | None = None) -> None:
        self._calls.append((_key(role, pass_index, index), role, Tally.of(completion, reask=reask)))
        if completion.reasoning:
            self.note(role, pass_index, completion.reasoning, index=index)

    def note(self, role: Role, pass_index: int, text: str | None, *, index: int | None = None) -> None:
        if text and text.strip():
            entry = ReasoningEntry(role=role, pass_=pass_index, text=text.strip(), index=index)
            self._notes.append((_key(role, pass_index, index), entry))

    @property
    def reasoning(self) -> list[ReasoningEntry]:
        return [entry for _, entry in sorted(self._notes, key=itemgetter(0))]

    @property
    def usage(self) -> dict[str, Tally]:
        """Per role, summed in key order (float sums depend on order), roles in pipeline order."""
        totals: dict[str, Tally] = {}
        for _, role, tally in sorted(self._calls, key=lambda call: (_ROLE_RANK[call[1]], call[0])):
            totals[role] = totals.get(role, Tally()) + tally
        return totals

    @property
    def cost_usd(self) -> float:
        return sum(t.cost_usd for t in self.usage.values())

    def usage_records(self) -> dict[str, UsageRecord]:
        keep = set(UsageRecord.model_fields)
        return {role: UsageRecord(**{k: v for k, v in t.to_dict().items() if k in keep})
                for role, t in self.usage.items()}


@dataclass(frozen=True)
class RoleCall:
    """One role bound to its model, settings, template and system prompt."""

    role: Role
    model: ChatModel
    config: RoleConfig
    template: jinja2.Template
    system: str | None

    @classmethod
    def build(cls, role: Role, model: ChatModel, config: RoleConfig, *, template: str,
              system_key: str | None = None) -> RoleCall:
        default_system = SYSTEM_PROMPTS.get(system_key or role)
        return cls(role=role, model=model, config=config,
                   template=load_template(template, task=TASK, override=config.template),
                   system=config.system if config.system is not None else default_system)

    def messages(self, **variables: Any) -> list[Message]:
        messages: list[Message] = [{"role": "system", "content": self.system}] if self.system else []
        messages.append({"role": "user", "content": render(self.template, **variables)})
        return messages

    def conversation(self, turns: Sequence[Message], **variables: Any) -> list[Message]:
        """The user's conversation as sent to a role that answers the user: its turns as they are, the
        last user turn through this role's template (``{{ prompt }}`` by default, so unchanged), and this
        role's system prompt only when the conversation brings none."""
        *history, last = turns
        sent: list[Message] = [*history, {"role": "user", "content": render(
            self.template, **{**variables, "prompt": last["content"]})}]
        if self.system and sent[0]["role"] != "system":
            sent.insert(0, {"role": "system", "content": self.system})
        return sent

    async def __call__(self, ledger: Ledger, *, row_id: str, pass_index: int, sample_index: int = 0,
                       index: int | None = None, accept: Accept | None = None,
                       turns: Sequence[Message] | None = None, **variables: Any) -> Completion:
        """One call; ``index`` labels its reasoning entry (the sample index in best_of_n); an answer
        ``accept`` refuses is not cached (a retry asks again). ``turns``: the user's conversation, for
        a role that answers the user (``conversation``); else the template renders ``variables``."""
        messages = self.conversation(turns, **variables) if turns is not None else self.messages(**variables)
        completion = await self.model.chat(
            messages, role=self.role, route_key=row_id,
            temperature=self.config.temperature, max_tokens=self.config.max_tokens,
            seed=call_seed(row_id, self.role, pass_index, sample_index), sample_index=sample_index,
            accept=accept)
        ledger.add(self.role, completion, pass_index=pass_index, index=index)
        return completion

    def served_by(self, completion: Completion) -> str:
        return completion.served_by or self.model.name


def has_text(completion: Completion) -> bool:
    """An answer with visible text: the check that keeps an empty answer out of the cache."""
    return bool(completion.text.strip())


def no_flaws(critique: str) -> bool:
    """True when the whole critique, trimmed, is ``NO FLAWS`` (a final period allowed): a critique that
    lists a flaw and then says ``NO FLAWS`` on another line found a flaw."""
    return critique.strip().rstrip(".").strip() == "NO FLAWS"


__all__ = ["SYSTEM_PROMPTS", "TASK", "Ledger", "RoleCall", "call_seed", "has_text", "no_flaws"]
