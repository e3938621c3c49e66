"""``hadron nanoflux`` and ``hadron run`` with a NanoFlux step give a model the same caps: its backend's."""

from __future__ import annotations

from pathlib import Path

from hadron.cli.nanoflux import build_config
from hadron.llm.backends.local import LOCAL_DEFAULTS
from hadron.runtime.config import load_pipeline
from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.step import NanoFluxStep


def caps(config: NanoFluxConfig) -> dict[str, object]:
    return {"attacker": config.attacker.max_tokens, "defender": config.defender.max_tokens,
            "judge": config.judge.max_tokens, "verdict": config.judge.verdict_max_tokens,
            "compute_first": config.judge.compute_first}


def test_the_command_and_a_yaml_pipeline_give_the_embedded_model_the_same_caps(tmp_path: Path) -> None:
    yaml_file = tmp_path / "pipeline.yaml"
    yaml_file.write_text("source: {path: rounds.jsonl}\nsteps:\n  - step: nanoflux\n"
                         "    attacker: {model: local}\n    defender: {model: local}\n"
                         "    judge: {model: local}\n    novelty_threshold: null\n")
    (tmp_path / "rounds.jsonl").write_text('{"id": "r0", "domain": "math", "round": 0}\n')
    step = load_pipeline(yaml_file).steps[0]
    assert isinstance(step, NanoFluxStep)
    command = build_config(None, domains=None, per_domain=None, attacker="local", defender="local",
                           judge="local", max_rounds=None, embedder=None, concurrency=None)
    assert caps(step.options) == caps(command) == {
        "attacker": LOCAL_DEFAULTS.question_max_tokens, "defender": LOCAL_DEFAULTS.solution_max_tokens,
        "judge": LOCAL_DEFAULTS.check_max_tokens, "verdict": LOCAL_DEFAULTS.scored_verdict_max_tokens,
        "compute_first": True}


def test_set_values_and_other_backends_keep_their_settings() -> None:
    remote = {"model": "openai:gpt-4o-mini"}
    hosted = NanoFluxConfig(attacker=remote, defender=remote, judge=remote)
    assert caps(hosted) == {"attacker": 768, "defender": 768, "judge": 512, "verdict": 256,
                            "compute_first": False}
    small_judge = {"model": "local", "max_tokens": 300, "compute_first": False}
    mixed = NanoFluxConfig(attacker=remote, judge=small_judge)
    assert mixed.attacker.max_tokens == 768
    assert mixed.defender.max_tokens == LOCAL_DEFAULTS.solution_max_tokens
    assert mixed.judge.max_tokens == 300 and not mixed.judge.compute_first
    assert mixed.judge.verdict_max_tokens == LOCAL_DEFAULTS.scored_verdict_max_tokens


def test_a_saved_config_replays_unchanged() -> None:
    first = NanoFluxConfig()
    assert NanoFluxConfig.model_validate(first.model_dump()) == first
