"""The one config loader: lines from the YAML nodes, one-line ``file:line: key: problem`` errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from hadron.core.config import parse_yaml, read_yaml, validate
from hadron.errors import ConfigError, ConfigFileError, InputError


class Tool(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    size: int = 1


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    steps: list[Tool] = Field(min_length=1)
    tools: list[str | Tool] = Field(default_factory=list)
    rate: float = 1.0


def test_a_bad_value_names_file_line_and_key_with_the_value() -> None:
    doc = parse_yaml("steps:\n  - name: a\n  - name: b\n    size: big\n", "s.yaml")
    with pytest.raises(ConfigFileError) as caught:
        validate(Settings, doc.data, doc)
    assert str(caught.value) == "s.yaml:4: steps[1].size: Input should be a valid integer, unable to parse " \
                                "string as an integer (got 'big')"
    assert caught.value.line == 4 and isinstance(caught.value, ConfigError | InputError)


def test_an_unknown_key_comes_first_next_to_the_missing_one_it_misspells() -> None:
    doc = parse_yaml("rate: 2\nstep:\n  - name: a\n", "s.yaml")
    with pytest.raises(ConfigFileError) as caught:
        validate(Settings, doc.data, doc)
    assert str(caught.value) == "s.yaml:2: step: unknown key; s.yaml:1: steps: Field required"


def test_dotted_indices_and_a_union_member_name_left_out_of_the_key() -> None:
    doc = parse_yaml("steps: [{name: a}]\ntools:\n  - ok\n  - {name: x, sise: 2}\n", "t.yaml")
    with pytest.raises(ConfigFileError) as caught:
        validate(Settings, doc.data, doc, indices="dots")
    assert str(caught.value) == "t.yaml:4: tools.1.sise: unknown key"


def test_values_from_no_file_name_the_option_or_the_label() -> None:
    with pytest.raises(ConfigError, match=r"^invalid option rate: Input should be a valid number"):
        validate(Settings, {"steps": [{"name": "a"}], "rate": "fast"})
    with pytest.raises(ConfigError, match=r"^ray executor: rate: "):
        validate(Settings, {"steps": [{"name": "a"}], "rate": "fast"}, "ray executor")


def test_many_problems_stay_one_line() -> None:
    doc = parse_yaml("steps:\n" + "".join(f"  - size: {i}\n" for i in range(5)), "m.yaml")
    with pytest.raises(ConfigFileError) as caught:
        validate(Settings, doc.data, doc)
    assert "\n" not in str(caught.value) and str(caught.value).endswith("(and 2 more)")


def test_unreadable_files_and_bad_yaml_are_input_errors_at_their_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"a: 1\n# caf\xe9\n")
    with pytest.raises(InputError, match=r"c\.yaml:2: not UTF-8 text \(byte 0xe9\)"):
        read_yaml(path)
    path.write_text("a: 1\nb: [\n")
    with pytest.raises(InputError, match=r"c\.yaml:3: invalid YAML"):
        read_yaml(path)
    with pytest.raises(InputError, match=r"nope\.yaml: no such file"):
        read_yaml(tmp_path / "nope.yaml")
    (tmp_path / "empty.yaml").write_text("")
    assert read_yaml(tmp_path / "empty.yaml").data is None
