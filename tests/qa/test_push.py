"""Pushing is tested offline: the upload plan, the token rule, and the calls made to a fake HfApi."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from hadron.errors import ConfigError
from hadron.qa.push import push_run, upload_plan


def test_upload_plan_is_the_dataset_only(autoreason_run: Path) -> None:
    (autoreason_run / "cache.sqlite").write_bytes(b"x")
    (autoreason_run / "run.log").write_text("log", encoding="utf-8")
    (autoreason_run / "README.md").write_text("card", encoding="utf-8")
    plan = upload_plan(autoreason_run)
    assert plan == ["README.md", "config.yaml", "data/part-00000.jsonl", "data/part-00001.jsonl",
                    "exports/sft/part-00000.jsonl", "manifest.json", "stats.json"]


def test_no_token_is_one_clear_error(autoreason_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="no Hugging Face token: set HF_TOKEN"):
        push_run(autoreason_run, "me/data")
    assert not (autoreason_run / "README.md").exists()  # nothing done before the token check


def test_bad_repo_id(autoreason_run: Path) -> None:
    with pytest.raises(ConfigError, match="invalid repo id"):
        push_run(autoreason_run, "not a repo")


def test_push_calls_the_hub_client(autoreason_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    class FakeApi:
        def __init__(self, token: str) -> None:
            calls.append(("init", {"token": token}))

        def create_repo(self, repo_id: str, **kwargs: Any) -> str:
            calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))
            return f"https://huggingface.co/datasets/{repo_id}"

        def upload_folder(self, **kwargs: Any) -> Any:
            calls.append(("upload_folder", kwargs))
            return types.SimpleNamespace(oid="abc123")

    fake = types.ModuleType("huggingface_hub")
    fake.HfApi = FakeApi  # type: ignore[attr-defined]
    errors = types.ModuleType("huggingface_hub.errors")
    errors.HfHubHTTPError = type("HfHubHTTPError", (Exception,), {})  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "huggingface_hub", fake)
    monkeypatch.setitem(sys.modules, "huggingface_hub.errors", errors)
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    result = push_run(autoreason_run, "me/data", private=True)
    assert result["commit"] == "abc123" and "README.md" in result["files"]
    assert calls[0] == ("init", {"token": "hf_test"})
    assert calls[1][1] == {"repo_id": "me/data", "repo_type": "dataset", "private": True, "exist_ok": True}
    upload = calls[2][1]
    assert upload["repo_id"] == "me/data" and upload["repo_type"] == "dataset"
    assert "data/*" in upload["allow_patterns"] and "README.md" in upload["allow_patterns"]
    assert (autoreason_run / "README.md").is_file()  # the card is written before uploading
