"""A pool whose every member refuses the key stops the run at once, with one clear error."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hadron.testing import FaultServer

from .conftest import HADRON, subprocess_env, write_pipeline, write_prompts


def member(server: FaultServer, name: str) -> dict[str, object]:
    return {"model": {"backend": "http", "base_url": server.base_url, "model": "fault-model", "name": name,
                      "max_retries": 0}}


def test_every_member_fatal_stops_the_run_early(tmp_path: Path) -> None:
    with FaultServer(status=401) as a, FaultServer(status=403) as b:
        prompts = write_prompts(tmp_path / "prompts.jsonl", 50)
        step = {"step": "generate", "name": "answer",
                "model": {"members": [member(a, "a"), member(b, "b")], "name": "p"}}
        pipeline = write_pipeline(tmp_path / "pipeline.yaml", prompts, step, max_in_flight=4)
        done = subprocess.run([HADRON, "run", str(pipeline), "--out", str(tmp_path / "run"), "--quiet"],
                              env=subprocess_env(), capture_output=True, text=True, timeout=120)
        asked = len(a.chat_requests()) + len(b.chat_requests())
    assert done.returncode != 0
    assert "every member is unusable" in done.stderr and "Traceback" not in done.stderr
    assert asked <= 8  # stopped early: not 50 rows x 2 members
