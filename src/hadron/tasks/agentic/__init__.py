"""Agentic trace distillation (``hadron agentic``): scenarios run against executed tools, episodes
normalized to training conversations, reviewed against a rubric and refined (DESIGN.md §6).

    from hadron.tasks.agentic import AgenticRunConfig, run_agentic
    summary = await run_agentic(AgenticRunConfig(scenarios="telecom", episodes=10), "runs/telecom")
"""

from __future__ import annotations

from hadron.tasks.agentic.config import AgenticConfig, LoopConfig, ReviewConfig
from hadron.tasks.agentic.envs.base import Check, Environment, ToolError, ToolResult, tool
from hadron.tasks.agentic.language import LanguagePolicy, check_messages
from hadron.tasks.agentic.loop import AgentLoop
from hadron.tasks.agentic.refine import Refiner, Result
from hadron.tasks.agentic.registry import FAMILIES, environment_class
from hadron.tasks.agentic.review import Review, Reviewer, Verdict
from hadron.tasks.agentic.run import AgenticRunConfig, RunSummary, load_run_config, run_agentic
from hadron.tasks.agentic.scenario import RubricItem, Scenario, ToolSpec, load_scenarios
from hadron.tasks.agentic.step import Agentic, build_refiner, plan_rows
from hadron.tasks.agentic.trace import Episode, TraceError, build_trace, check_invariants
from hadron.tasks.agentic.user_sim import UserSimulator

__all__ = [
    "FAMILIES",
    "AgentLoop",
    "Agentic",
    "AgenticConfig",
    "AgenticRunConfig",
    "Check",
    "Environment",
    "Episode",
    "LanguagePolicy",
    "LoopConfig",
    "Refiner",
    "Result",
    "Review",
    "ReviewConfig",
    "Reviewer",
    "RubricItem",
    "RunSummary",
    "Scenario",
    "ToolError",
    "ToolResult",
    "ToolSpec",
    "TraceError",
    "UserSimulator",
    "Verdict",
    "build_refiner",
    "build_trace",
    "check_invariants",
    "check_messages",
    "environment_class",
    "load_run_config",
    "load_scenarios",
    "plan_rows",
    "run_agentic",
    "tool",
]
