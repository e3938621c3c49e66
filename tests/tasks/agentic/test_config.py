"""The run config in the agentic-distillation framework's shape, next to Hadron's own keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from hadron.errors import InputError
from hadron.llm.config import PoolConfig
from hadron.tasks.agentic.config import SMALL_MODEL_CAPS
from hadron.tasks.agentic.language import LanguagePolicy
from hadron.tasks.agentic.mix import MixEntry, resolve
from hadron.tasks.agentic.run import AgenticRunConfig, load_run_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs"


def test_the_shipped_teacher_example_loads_in_the_framework_shape() -> None:
    config = load_run_config(CONFIGS / "teacher.example.yaml")
    assert isinstance(config.teacher, PoolConfig) and isinstance(config.reviewer, PoolConfig)
    assert [m.weight for m in config.teacher.members] == [3, 1, 1]
    assert config.teacher.failover_order()[0].name == "openai:gpt-4o-mini"
    assert config.review.enabled and config.review.threshold == 0.7 and config.review.max_rounds == 2
    assert config.in_flight == 8
    assert config.prompts.language_policy is not None and config.prompts.language_policy.recap == "zh"
    assert "Look facts up" in config.prompts.teacher_guidance
    assert isinstance(config.scenarios, list) and [e.source for e in config.scenarios] == [
        "telecom",
        "orders",
        "terminal",
    ]
    scenarios = resolve(config.scenarios, config.prompts.language_policy)
    telecom = [s for s in scenarios if s.family == "telecom"]
    terminal = [s for s in scenarios if s.family == "terminal"]
    assert all(s.max_turns == 10 for s in telecom)
    assert sum(s.weight for s in telecom) == pytest.approx(2.0)
    # the global policy, except where a scenario file sets its own (lost-phone keeps its Spanish recap)
    assert [s.id for s in telecom if s.language.recap != "zh"] == ["telecom-lost-phone"]
    assert all(s.language.recap is None and s.language.description == "English only" for s in terminal)


def test_the_shipped_terminal_config_loads_with_embedded_caps() -> None:
    config = load_run_config(CONFIGS / "run.terminal.yaml")
    assert isinstance(config.teacher, PoolConfig) and [m.name for m in config.teacher.members] == ["local"]
    assert config.loop.max_tokens == 128  # the local backend's declared answer cap
    assert config.loop.max_turns == SMALL_MODEL_CAPS["loop"]["max_turns"]
    assert not config.review.enabled and config.review.max_rounds == 0
    assert {s.family for s in resolve(config.scenarios)} == {"terminal"}
    assert {s.max_turns for s in resolve(config.scenarios)} == {4}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "review_flow:\n  enabled: true\n  min_scor: 5\n",
            "config.yaml:3: review_flow.min_scor: unknown key",
        ),
        (
            "teacher_pool:\n  members: [local]\n  prefered_order: [local]\n",
            "config.yaml:3: teacher_pool.prefered_order: unknown key",
        ),
        ("concurrency:\n  max_worker: 2\n", "config.yaml:2: concurrency.max_worker: unknown key"),
        ("prompts:\n  teacher_guidance: hi\n  style: terse\n", "config.yaml:3: prompts.style: unknown key"),
        (
            "scenario_mix:\n  - source: telecom\n    overrides: {goal_x: 1}\n",
            "config.yaml:3: scenario_mix.0.overrides: cannot override ['goal_x']",
        ),
        ("teacher: local\nteacher_pool:\n  members: [local]\n", "give teacher or teacher_pool, not both"),
        (
            "review: {max_rounds: 1}\nreview_flow: {max_rounds: 2}\n",
            "review.max_rounds and review_flow give the same setting",
        ),
        ("review:\n  treshold: 0.5\n", "config.yaml:2: review.treshold: unknown key"),
    ],
)
def test_unknown_keys_name_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_run_config(path)
    assert expected in str(caught.value)


def test_review_flow_and_hadrons_review_keys_combine(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("review_flow: {min_score: 8}\nreview: {require_success: false}\n")
    config = load_run_config(path)
    assert config.review.threshold == 0.8 and not config.review.require_success


def test_hadrons_own_keys_keep_working(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "teacher: openai:gpt-4o-mini\nreview: {max_rounds: 1, threshold: 0.5}\nconcurrency: 3\n"
        "loop: {max_turns: 5}\nscenarios: orders\n"
    )
    config = load_run_config(path)
    assert config.teacher == "openai:gpt-4o-mini" and config.in_flight == 3
    assert (config.review.max_rounds, config.review.threshold, config.loop.max_turns) == (1, 0.5, 5)
    assert config.loop.max_tokens == 768  # a hosted teacher keeps the general defaults


def test_embedded_caps_live_in_one_place_and_what_the_user_sets_wins() -> None:
    capped = AgenticRunConfig()
    assert capped.loop.max_turns == 4 and capped.loop.max_tokens == 128 and capped.review.max_rounds == 0
    assert capped.in_flight == 1 and capped.loop.tool_list == "compact"
    assert not capped.review.enabled  # a 135M reviewer is not asked (its rubric JSON never parsed)
    hosted_reviewer = AgenticRunConfig(reviewer="openai:gpt-4o")
    assert hosted_reviewer.review.enabled and hosted_reviewer.review.max_tokens == 1024
    chosen = AgenticRunConfig.model_validate({"loop": {"max_turns": 7}, "review": {"max_rounds": 1}})
    assert chosen.loop.max_turns == 7 and chosen.review.max_rounds == 1 and chosen.loop.max_tokens == 128
    mixed = AgenticRunConfig.model_validate({"teacher_pool": {"members": ["local", "openai:gpt-4o-mini"]}})
    assert mixed.loop.max_turns == 12  # a pool with a hosted member is not capped


def test_command_line_flags_replace_pools_and_caps_follow_the_teacher(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("teacher_pool:\n  members: [local]\nreview_flow: {enabled: true, min_score: 6}\n")
    config = load_run_config(path, teacher="openai:gpt-4o-mini", review={"enabled": False})
    assert config.teacher == "openai:gpt-4o-mini" and config.loop.max_turns == 12
    assert not config.review.enabled and config.review.threshold == 0.6


def test_a_scenario_keeps_its_own_language_policy() -> None:
    strict = LanguagePolicy(primary="en", description="English only")
    recap = LanguagePolicy.english_first_chinese_recap()
    mix = [MixEntry(source="telecom", overrides={"language": strict.model_dump()}), MixEntry(source="orders")]
    scenarios = resolve(mix, recap)
    assert {s.language.recap for s in scenarios if s.family == "telecom"} == {None}
    assert {s.language.recap for s in scenarios if s.family == "orders"} == {"zh"}
