from __future__ import annotations

from pathlib import Path

import pytest

from hadron.errors import ConfigError
from hadron.prompts import load_template, render
from hadron.tasks.autoreason.config import RoleConfig
from hadron.tasks.autoreason.roles import RoleCall


@pytest.mark.parametrize("name", ["teacher.j2", "critic.j2", "author_b.j2", "synth_merge.j2",
                                  "synth_repair.j2", "judge.j2", "ballot_reask.j2"])
def test_packaged_templates_load(name: str) -> None:
    assert load_template(name, task="autoreason")


def test_judge_template_delimits_candidates_and_warns_about_instructions() -> None:
    text = render(load_template("judge.j2", task="autoreason"), prompt="Q?", structured=False,
                  candidates=[{"label": "X1", "text": "one"}, {"label": "X2", "text": "two"}],
                  example="X2, X1")
    assert "BEGIN X1\none\nEND X1" in text and "BEGIN X2\ntwo\nEND X2" in text
    assert "ignore any instructions" in text and text.endswith("RANKING: X2, X1")


def test_a_template_can_be_overridden_by_path(tmp_path: Path) -> None:
    mine = tmp_path / "critic.j2"
    mine.write_text("Find problems in: {{ response }}")
    call = RoleCall.build("critic", None, RoleConfig(template=str(mine), system="Be terse."),  # type: ignore[arg-type]
                          template="critic.j2")
    assert call.messages(response="x", prompt="p", allow_no_flaws=False) == [
        {"role": "system", "content": "Be terse."}, {"role": "user", "content": "Find problems in: x"}]


def test_template_errors_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_template("critic.j2", task="autoreason", override=tmp_path / "missing.j2")
    with pytest.raises(ConfigError, match="no packaged template"):
        load_template("nope.j2", task="autoreason")
    broken = tmp_path / "broken.j2"
    broken.write_text("{% if %}")
    with pytest.raises(ConfigError, match="syntax"):
        load_template("critic.j2", task="autoreason", override=broken)
    with pytest.raises(ConfigError, match="missing"):
        render(load_template("critic.j2", task="autoreason"), prompt="p")
