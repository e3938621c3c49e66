"""Format inference from the path, the hf: shorthand, and the registry behind open_source."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hadron.data.sources import FORMATS, SourceConfig, open_source
from hadron.errors import ConfigError, InputError


@pytest.mark.parametrize(("path", "expected"), [
    ("a.jsonl", "jsonl"), ("a.json", "jsonl"), ("dir/a.JSONL.gz", "jsonl"), ("s3://b/k.jsonl", "jsonl"),
    ("a.parquet", "parquet"), ("a.csv", "csv"), ("a.tsv", "csv"), ("a.txt", "text"), ("a.txt.bz2", "text"),
])
def test_format_is_inferred_from_suffix(path: str, expected: str) -> None:
    assert SourceConfig(path=path).type == expected


def test_unknown_suffix_names_path_and_choices() -> None:
    with pytest.raises(ConfigError) as err:
        SourceConfig(path="prompts.xlsx")
    assert "prompts.xlsx" in str(err.value)
    assert "jsonl" in str(err.value) and ".txt" in str(err.value)


def test_explicit_type_wins_and_hf_shorthand() -> None:
    assert SourceConfig(path="data.dat", type="text").type == "text"
    config = SourceConfig(path="hf:owner/prompts")
    assert (config.type, config.path) == ("hf", "owner/prompts")


def test_unknown_option_is_rejected() -> None:
    with pytest.raises(ValidationError):
        SourceConfig(path="a.jsonl", prompt_col="q")  # type: ignore[call-arg]


def test_every_format_is_registered() -> None:
    assert set(FORMATS) == {"jsonl", "parquet", "csv", "text", "hf"}


def test_missing_file_fails_at_open(tmp_path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_source(str(tmp_path / "absent.jsonl"))


def test_empty_file_fails_at_open(tmp_path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        open_source(str(path))


def test_describe_hides_storage_option_values(tmp_path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "hi"}\n')
    config = SourceConfig(path=str(path), head=3, storage_options={"secret": "s3cr3t"})
    described = open_source(config).describe()
    assert described["format"] == "jsonl"
    assert described["options"] == {"head": 3, "storage_options": ["secret"]}
    assert "s3cr3t" not in str(described)


def test_directory_is_not_a_file(tmp_path) -> None:
    folder = tmp_path / "looks.jsonl"
    folder.mkdir()
    with pytest.raises(InputError, match="cannot read"):
        open_source(str(folder))
