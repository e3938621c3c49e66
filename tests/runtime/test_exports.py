"""Pin ``hadron.runtime``'s public names (imported lazily, so each must resolve)."""

from __future__ import annotations

import hadron.runtime


def test_runtime_exports() -> None:
    assert hadron.runtime.__all__ == [
        "DagError", "Explode", "Filter", "Generate", "Passthrough", "Pipeline", "Reject", "RouteByColumn",
        "Router", "Row", "RunResult", "RunStats", "Step", "StepContext", "load_pipeline", "register_step",
    ]
    assert all(getattr(hadron.runtime, name) is not None for name in hadron.runtime.__all__)
