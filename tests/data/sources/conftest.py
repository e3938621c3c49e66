"""Fixtures shared by the source tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def datasets(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The ``datasets`` module with the hub switched off: only local data is read."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True, raising=False)
    return datasets
