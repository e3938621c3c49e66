"""What a sandboxed run is given (limits) and what it gives back (a result)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from hadron.errors import HadronError

Status = Literal["ok", "error", "timeout", "cpu_limit", "memory", "refused"]


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    """Every limit is enforced by the kernel or by the supervising parent, never by the code itself."""

    cpu_seconds: int = 5
    """``RLIMIT_CPU``: SIGXCPU then SIGKILL -> ``cpu_limit``."""
    wall_seconds: float = 10.0
    """The parent kills the sandbox (its pid namespace goes with it) -> ``timeout``."""
    memory_mb: int = 512
    """``RLIMIT_AS``: allocations fail with MemoryError -> ``memory``."""
    file_size_mb: int = 8
    """``RLIMIT_FSIZE``: one file may not grow past this (SIGXFSZ is ignored, writes fail EFBIG)."""
    tmp_mb: int = 32
    """Size of the fresh tmpfs at /tmp, the only writable place."""
    max_output_bytes: int = 20_000
    """stdout past this is cut and the sandbox killed -> ``refused`` (``truncated``)."""
    max_open_files: int = 64


@dataclass(slots=True)
class SandboxResult:
    """What one run printed, and how it ended."""

    status: Status
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    value: str | None = None
    """``repr`` of the last expression's value, like a notebook cell; None when there is none."""
    error: str | None = None
    """One line on why the run did not end ``ok``."""
    truncated: bool = False
    """stdout passed ``max_output_bytes``; what is kept is its beginning."""
    unsafe: bool = False
    """True when the run had no OS boundary (``--unsafe-sandbox``)."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def summary(self, limit: int = 2_000) -> str:
        """The text a model sees as a tool's answer."""
        parts = []
        if self.stdout:
            parts.append(self.stdout.rstrip("\n") + (" [output truncated]" if self.truncated else ""))
        if self.value is not None:
            parts.append(f"value: {self.value}")
        if self.status != "ok":
            parts.append(f"error ({self.status}): {self.error or ''}".rstrip(": "))
        text = "\n".join(parts) or "(no output)"
        return text if len(text) <= limit else text[:limit] + " [...]"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


class SandboxUnavailable(HadronError):
    """No OS-level boundary can be set up on this host, and unsafe runs were not allowed."""


__all__ = ["SandboxLimits", "SandboxResult", "SandboxUnavailable", "Status"]
