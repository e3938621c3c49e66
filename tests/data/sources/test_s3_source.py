"""Object storage through fsspec: a real S3-compatible server (moto) on 127.0.0.1, started here."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from hadron.data.sources import SourceConfig, open_source
from hadron.errors import InputError

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")
pytest.importorskip("s3fs")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        client.create_bucket(Bucket="prompts")
        yield {"client": client,
               "options": {"endpoint_url": endpoint, "key": "testing", "secret": "testing",
                           "client_kwargs": {"region_name": "us-east-1"}, "skip_instance_cache": True}}
    finally:
        server.stop()


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
