"""Object storage through fsspec: a real S3-compatible server (moto) on 127.0.0.1 (``tests/data/conftest``).
"""

from __future__ import annotations

from typing import Any

import pytest

from hadron.data.sources import SourceConfig, open_source
from hadron.errors import InputError


def test_jsonl_streams_from_s3(s3: dict[str, Any]) -> None:
    body = b'{"prompt": "from the bucket"}\nnot json\n{"prompt": "second"}\n'
    s3["client"].put_object(Bucket="prompts", Key="sets/p.jsonl", Body=body)
    source = open_source(SourceConfig(path="s3://prompts/sets/p.jsonl", storage_options=s3["options"]))
    errors: list[InputError] = []
    rows = list(source.rows(on_error=errors.append))
    assert [row["prompt"] for row in rows] == ["from the bucket", "second"]
    assert str(errors[0]).startswith("s3://prompts/sets/p.jsonl:2: invalid JSON")
    assert "testing" not in str(source.describe())


def test_missing_key_fails_at_open(s3: dict[str, Any]) -> None:
    with pytest.raises(InputError, match=r"s3://prompts/absent\.jsonl: cannot read: no such file"):
        open_source(SourceConfig(path="s3://prompts/absent.jsonl", storage_options=s3["options"]))
