"""``hadron autoreason`` and ``hadron run`` give a model the same caps: the ones its backend declares."""

from __future__ import annotations

from pathlib import Path

from hadron.cli.autoreason import build_config
from hadron.llm.backends.local import LOCAL_DEFAULTS
from hadron.runtime.config import load_pipeline
from hadron.tasks.autoreason.config import AutoReasonConfig
from hadron.tasks.autoreason.step import AutoReason

ROLES = ("teacher", "critic", "author_b", "synthesizer", "judge")


def caps(config: AutoReasonConfig) -> dict[str, int]:
    return {"max_passes": config.max_passes, **{name: getattr(config, name).max_tokens for name in ROLES}}


def test_the_command_and_a_yaml_pipeline_give_the_embedded_model_the_same_caps(tmp_path: Path) -> None:
    (tmp_path / "p.jsonl").write_text('{"prompt": "q"}\n')
    yaml_file = tmp_path / "pipeline.yaml"
    yaml_file.write_text("source: {path: p.jsonl}\nsteps:\n  - step: autoreason\n    model: local\n")
    step = load_pipeline(yaml_file).steps[0]
    assert isinstance(step, AutoReason)
    command = build_config(None, model=None, judges=None, synthesis=None, max_passes=None, max_tokens=None)
    assert caps(step.options) == caps(command) == {
        "max_passes": LOCAL_DEFAULTS.max_rounds, "teacher": LOCAL_DEFAULTS.answer_max_tokens,
        "critic": LOCAL_DEFAULTS.answer_max_tokens, "author_b": LOCAL_DEFAULTS.answer_max_tokens,
        "synthesizer": LOCAL_DEFAULTS.answer_max_tokens, "judge": LOCAL_DEFAULTS.verdict_max_tokens}


def test_set_values_and_other_backends_keep_their_settings() -> None:
    remote = AutoReasonConfig(model="openai:gpt-4o-mini")
    assert caps(remote) == {"max_passes": 15, "teacher": 1024, "critic": 1024, "author_b": 1024,
                            "synthesizer": 1024, "judge": 512}
    mixed = AutoReasonConfig(model="openai:gpt-4o-mini", max_passes=7, critic={"model": "local"},
                             judge={"max_tokens": 300, "model": "local"})
    assert mixed.max_passes == 7 and mixed.critic.max_tokens == LOCAL_DEFAULTS.answer_max_tokens
    assert mixed.teacher.max_tokens == 1024 and mixed.judge.max_tokens == 300


def test_a_saved_config_replays_unchanged() -> None:
    first = AutoReasonConfig(model="local")
    assert AutoReasonConfig.model_validate(first.model_dump()) == first
