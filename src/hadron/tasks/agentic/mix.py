"""The scenario mix of a run: sources (a file, a folder, a family or ``all``) with a weight and field
overrides, plus the run's global language policy, resolved into the scenarios the run plays.

    scenario_mix:
      - {source: telecom, weight: 2, overrides: {max_turns: 6}}
      - {source: scenarios/terminal, weight: 1}

A source's weight is shared among its scenarios by their own weights. ``overrides`` sets scenario
fields (``max_turns``, ``user_turns``, ``language``, ``difficulty``, ...) on every scenario of the
source. The global policy (``prompts.language_policy``) applies to each scenario that sets no
``language`` of its own, in its file or in an override.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hadron.errors import ConfigError
from hadron.tasks.agentic.language import LanguagePolicy
from hadron.tasks.agentic.scenario import Scenario, load_scenarios

FIXED = ("id", "family")
"""Scenario fields an override may not change."""


class MixEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1)
    weight: float | None = Field(default=None, gt=0)
    overrides: dict[str, Any] = Field(default_factory=dict)

    @field_validator("overrides")
    @classmethod
    def _known_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = [key for key in value if key not in Scenario.model_fields or key in FIXED]
        if unknown:
            allowed = ", ".join(k for k in Scenario.model_fields if k not in FIXED)
            raise ValueError(f"cannot override {unknown} (scenario fields: {allowed})")
        return value


Scenarios = str | list[MixEntry]
"""What a run plays: one source, or a mix of them."""


def resolve(scenarios: Scenarios, language: LanguagePolicy | None = None) -> list[Scenario]:
    """The run's scenarios, overrides and the global language policy applied."""
    entries = [MixEntry(source=scenarios)] if isinstance(scenarios, str) else scenarios
    out: list[Scenario] = []
    for number, entry in enumerate(entries):
        loaded = load_scenarios(entry.source)
        total = sum(s.weight for s in loaded)
        for scenario in loaded:
            updated = _override(scenario, entry, number)
            if entry.weight is not None:
                updated = updated.model_copy(update={"weight": entry.weight * scenario.weight / total})
            if language is not None and "language" not in updated.model_fields_set:
                updated = updated.model_copy(update={"language": language})
                updated.model_fields_set.discard("language")
            updated._origin = scenario.origin
            out.append(updated)
    seen: set[str] = set()
    for scenario in out:
        if scenario.id in seen:
            raise ConfigError(f"scenario id {scenario.id!r} comes from two sources of the scenario mix")
        seen.add(scenario.id)
    return out


def _override(scenario: Scenario, entry: MixEntry, number: int) -> Scenario:
    if not entry.overrides:
        return scenario
    data = {**scenario.model_dump(exclude_unset=True), **entry.overrides}
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        key = ".".join(str(part) for part in first["loc"])
        raise ConfigError(
            f"scenario_mix.{number}.overrides: {key}: {first['msg']} (scenario {scenario.id!r})"
        ) from None


__all__ = ["MixEntry", "Scenarios", "resolve"]
