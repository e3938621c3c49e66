from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def autoreason_run(tmp_path: Path) -> Path:
    """A private copy of the AutoReason fixture run (tests may write reports and cards into it)."""
    return Path(shutil.copytree(FIXTURES / "autoreason_run", tmp_path / "autoreason_run"))


@pytest.fixture
def agentic_run(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "agentic_run", tmp_path / "agentic_run"))


@pytest.fixture
def nanoflux_run(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "nanoflux_run", tmp_path / "nanoflux_run"))


@pytest.fixture
def autoreason_rows() -> list[dict[str, Any]]:
    folder = FIXTURES / "autoreason_run" / "data"
    return [row for path in sorted(folder.glob("*.jsonl")) for row in read_rows(path)]
