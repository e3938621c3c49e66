"""``hadron sandbox check`` and ``hadron sandbox run``: one JSON object each, through the real boundary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hadron.sandbox import check

pytestmark = pytest.mark.skipif(not check().available, reason="no OS sandbox on this host")


def hadron(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from hadron.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, env=env)


def test_check_prints_the_active_layers() -> None:
    done = hadron("sandbox", "check")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    active = {layer["name"] for layer in report["layers"] if layer["active"]}
    assert report["available"] is True
    assert {"user namespace", "pid namespace", "network namespace", "seccomp", "read-only mounts"} <= active


def test_run_prints_one_json_object(tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text("import os\nprint(os.environ.get('FAKE_OPENAI_API_KEY'))\n"
                      "import socket\nsocket.socket()\n")
    done = hadron("sandbox", "run", str(script), "--timeout", "5", "--memory", "256",
                  env={**os.environ, "FAKE_OPENAI_API_KEY": "sk-cli-canary-123456"})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "refused" and result["stdout"] == "None\n"
    assert "Operation not permitted" in result["error"]
    assert set(result) >= {"status", "stdout", "stderr", "seconds"}


def test_timeout_and_a_missing_file(tmp_path: Path) -> None:
    script = tmp_path / "sleep.py"
    script.write_text("import time\ntime.sleep(30)\n")
    result = json.loads(hadron("sandbox", "run", str(script), "--timeout", "0.5").stdout)
    assert result["status"] == "timeout" and result["seconds"] < 5
    missing = hadron("sandbox", "run", str(tmp_path / "nope.py"))
    assert missing.returncode == 2 and "nope.py: cannot read" in missing.stderr
