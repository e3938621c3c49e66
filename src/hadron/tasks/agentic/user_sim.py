"""The user simulator: a model plays the scenario's persona, knows the hidden goal, and answers the agent.

It sees the conversation from the user's side: the agent's visible replies (never its tool calls, tool
results or rationale) as the other party's messages, its own earlier messages as its own. It ends the
conversation by replying with ``DONE`` when the goal is met or the agent cannot help further.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hadron.core import stable_hash
from hadron.prompts import load_template, render

if TYPE_CHECKING:
    from hadron.llm import ChatModel
    from hadron.tasks.agentic.scenario import Scenario

TASK = "agentic"
DONE = "###DONE###"


class UserSimulator:
    def __init__(self, model: ChatModel, *, temperature: float = 0.7, max_tokens: int = 256) -> None:
        self.model = model
        self.temperature = temperature
        self.max_tokens = max_tokens

    def _system(self, scenario: Scenario) -> str:
        return render(
            load_template("user_sim.j2", task=TASK), persona=scenario.persona, goal=scenario.goal, done=DONE
        )

    async def opening(self, scenario: Scenario, *, route_key: str, attempt: int) -> str:
        """The user's first message (the scenario's ``opening`` when it has one)."""
        if scenario.opening:
            return scenario.opening
        messages = [
            {"role": "system", "content": self._system(scenario)},
            {"role": "user", "content": render(load_template("user_opening.j2", task=TASK))},
        ]
        text = await self._ask(messages, route_key, attempt, 0)
        return text or scenario.goal

    async def reply(
        self, scenario: Scenario, conversation: list[dict[str, Any]], *, route_key: str, attempt: int
    ) -> str | None:
        """The user's next message, or None when the user is done."""
        view: list[dict[str, Any]] = [{"role": "system", "content": self._system(scenario)}]
        for message in conversation:
            role, content = message.get("role"), message.get("content")
            if role == "user":
                view.append({"role": "assistant", "content": content})
            elif role == "assistant" and content and not message.get("tool_calls"):
                view.append({"role": "user", "content": content})
        text = await self._ask(view, route_key, attempt, len(view))
        if not text or DONE in text or text.strip("#* .").upper() == "DONE":
            return None
        return text

    async def _ask(self, messages: list[dict[str, Any]], route_key: str, attempt: int, step: int) -> str:
        seed = stable_hash("user_sim", route_key, attempt, step) % 2**31
        completion = await self.model.chat(
            messages,
            role="user_sim",
            route_key=route_key,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            seed=seed,
        )
        return completion.text.strip()


__all__ = ["DONE", "UserSimulator"]
