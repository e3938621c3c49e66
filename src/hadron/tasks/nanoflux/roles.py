"""The attacker and defender calls: a template, a system prompt, sampling settings and a seed.

Every call goes through ``ChatModel`` with ``route_key`` = the round id and a seed from
``stable_hash(round id, role, step)``, so a rerun sends the same requests and replays them from the
request cache for free. The model is passed per call because the two models swap roles each round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jinja2

from hadron.core import stable_hash
from hadron.llm import Tally
from hadron.llm.types import Message
from hadron.prompts import load_template, render
from hadron.tasks.nanoflux.config import NanoFluxConfig, RoleConfig
from hadron.tasks.nanoflux.records import Attack, Candidate, RoundPlan, defender_final_answer

if TYPE_CHECKING:
    from hadron.llm import ChatModel

TASK = "nanoflux"

SYSTEM_PROMPTS: dict[str, str] = {
    "attacker": "You are an expert examiner. You write hard, precise questions that expose gaps in "
                "reasoning, each with one correct answer, and you reply in JSON.",
    "defender": "You are a careful problem solver. You reason step by step and check your work.",
    "judge": "You are a rigorous examiner. You verify every claim, use tools to check calculations, and "
             "judge only on correctness.",
}
"""Packaged default system prompts; a role's ``system`` setting replaces them."""

ANGLES: tuple[str, ...] = (
    "a realistic scenario with concrete numbers",
    "a case where the obvious first step leads to the wrong answer",
    "a quantity that changes over several stages",
    "a comparison between two situations",
    "working backwards from a known result",
    "combining two facts that are rarely used together",
)
"""Framings the attacker cycles through, so that rounds of one skill ask different things."""


def call_seed(round_id: str, role: str, step: int = 0) -> int:
    """The sampling seed of one call: reproducible, distinct per round, role and step."""
    return stable_hash("nanoflux", round_id, role, step) % 2**31


@dataclass(frozen=True)
class Role:
    """A role's settings, template and system prompt (its model is chosen per round)."""

    name: str
    config: RoleConfig
    template: jinja2.Template
    system: str | None

    @classmethod
    def build(cls, name: str, config: RoleConfig, *, template: str) -> Role:
        return cls(name=name, config=config,
                   template=load_template(template, task=TASK, override=config.template),
                   system=config.system if config.system is not None else SYSTEM_PROMPTS.get(name))

    def messages(self, **variables: Any) -> list[Message]:
        messages: list[Message] = [{"role": "system", "content": self.system}] if self.system else []
        messages.append({"role": "user", "content": render(self.template, **variables)})
        return messages


def angle(plan: RoundPlan, n_skills: int) -> str:
    """The round's framing: it changes once every skill has had a round with the previous one."""
    return ANGLES[(plan.index // max(1, n_skills)) % len(ANGLES)]


async def attack(role: Role, model: ChatModel, plan: RoundPlan, candidate: Candidate,
                 config: NanoFluxConfig) -> None:
    """Ask for a question with its explanation and reference answer; re-asked until it parses."""
    messages = role.messages(domain=plan.domain, skill=plan.skill,
                             angle=angle(plan, len(config.skills(plan.domain))),
                             hops_min=config.band.hops[0], hops_max=config.band.hops[1])
    structured = await model.chat_json(
        messages, Attack, max_reasks=role.config.max_reasks, role=role.name, route_key=plan.id,
        temperature=role.config.temperature, max_tokens=role.config.max_tokens,
        seed=call_seed(plan.id, role.name))
    for number, completion in enumerate(structured.completions):
        candidate.add_usage(role.name, Tally.of(completion, reask=number > 0))
    candidate.attack = structured.value
    candidate.attack_error = structured.error


async def defend(role: Role, model: ChatModel, plan: RoundPlan, candidate: Candidate) -> None:
    """The defender's worked answer, and its final answer line."""
    assert candidate.attack is not None
    completion = await model.chat(
        role.messages(question=candidate.attack.question), role=role.name, route_key=plan.id,
        temperature=role.config.temperature, max_tokens=role.config.max_tokens,
        seed=call_seed(plan.id, role.name))
    candidate.add_usage(role.name, Tally.of(completion))
    candidate.defense = completion.text.strip()
    candidate.defender_answer = defender_final_answer(completion.text)


__all__ = ["ANGLES", "SYSTEM_PROMPTS", "TASK", "Role", "angle", "attack", "call_seed", "defend"]
