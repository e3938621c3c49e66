"""What every benchmark records about the machine it ran on (``"machine"`` in results/*.json)."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version
from typing import Any


def machine_info(*packages: str, **extra: Any) -> dict[str, Any]:
    """Cores, Python, platform and Hadron's version, plus the versions of ``packages`` and ``extra``."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "hadron": version("hadron-distill"),
            **{name.replace("-", "_"): version(name) for name in packages}, **extra}


def loadavg() -> list[float]:
    """The 1, 5 and 15 minute load averages, rounded (other work on the machine lowers every number)."""
    return [round(x, 2) for x in os.getloadavg()]
