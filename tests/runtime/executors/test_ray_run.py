"""The Ray driver's session writes the run directory through ``RunDir``, lock included (no Ray needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hadron.errors import ConfigError
from hadron.runtime.executors.ray_run import RaySession
from hadron.runtime.pipeline import Pipeline, RowsSource
from hadron.runtime.steps import Passthrough


def test_a_ray_driver_holds_the_run_directory_lock(tmp_path: Path) -> None:
    rows = [{"id": "a", "prompt": "p"}]
    pipeline = Pipeline(rows, [Passthrough("keep")])
    first = RaySession(pipeline, tmp_path / "run", RowsSource(rows), "off")
    first.open()
    try:
        with pytest.raises(ConfigError, match="is in use by another hadron run"):
            RaySession(pipeline, tmp_path / "run", RowsSource(rows), "off").open()
    finally:
        first.close()
    assert first.manifest is not None and first.manifest.rows == 0
    again = RaySession(pipeline, tmp_path / "run", RowsSource(rows), "off")
    again.open()  # released at close
    again.close()
