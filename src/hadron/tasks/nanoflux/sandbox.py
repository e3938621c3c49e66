"""A sandboxed Python interpreter for the judge: check arithmetic and numeric claims, nothing else.

Each call is a fresh ``python -I -S`` process (no site-packages, no environment, no user site) whose
working directory is a new temp dir, removed afterwards. Limits, and what enforces them:

- CPU time: ``RLIMIT_CPU`` (the kernel signals, then kills, the process) → ``cpu_limit``.
- Wall clock: the parent kills the whole process group when ``wall_seconds`` pass → ``timeout``.
- Memory: ``RLIMIT_AS`` (allocation fails with MemoryError) → ``memory``.
- Processes: the audit hook refuses fork, exec, spawn, ``subprocess``, ``os.system``, ``os.kill``;
  ``RLIMIT_NPROC`` backs it up for non-root users → ``forbidden``.
- Network: the audit hook refuses every ``socket.*`` event (and urllib/http/...) → ``forbidden``.
- Files: the audit hook refuses writes outside the temp dir and reads outside it and the standard
  library; ``RLIMIT_FSIZE`` caps what may be written inside → ``forbidden`` / ``file_size``.
- Output: stdout beyond ``max_output_bytes`` kills the process → ``output_limit``.

The audit hook (``_bootstrap.py``) is a guard against a model's mistakes and curiosity; the process
boundary and the kernel limits are what hold if the hook is ever got around. No secret reaches the
child: its environment is empty apart from the locale.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from hadron.tasks.nanoflux._bootstrap import BOOTSTRAP

ErrorKind = Literal["timeout", "cpu_limit", "memory", "forbidden", "output_limit", "file_size", "syntax",
                    "exception", "crashed"]

_CHILD_ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
_STDERR_CAP = 8_000
_RESULT_CAP = 64_000


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    cpu_seconds: int = 5
    wall_seconds: float = 10.0
    memory_mb: int = 512
    file_size_mb: int = 8
    max_output_bytes: int = 20_000
    max_processes: int = 64
    """``RLIMIT_NPROC`` (counts every process of the user; root ignores it, the audit hook does not)."""


@dataclass(slots=True)
class SandboxResult:
    """What one run printed and returned, or why it was stopped."""

    stdout: str
    value: str | None = None
    """``repr`` of the last expression's value, like an interactive cell; None when there is none."""
    error_kind: ErrorKind | None = None
    error: str | None = None
    refused: list[str] = field(default_factory=list)
    """Operations the audit hook refused (reported even when the code caught the error)."""
    truncated: bool = False
    seconds: float = 0.0
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.error_kind is None

    def to_dict(self) -> dict[str, Any]:
        return {"stdout": self.stdout, "value": self.value, "error_kind": self.error_kind,
                "error": self.error, "refused": list(self.refused), "truncated": self.truncated,
                "seconds": round(self.seconds, 3)}

    def summary(self, limit: int = 2_000) -> str:
        """The text a model sees as the tool's answer."""
        parts = []
        if self.stdout:
            parts.append(self.stdout.rstrip("\n") + (" [output truncated]" if self.truncated else ""))
        if self.value is not None:
            parts.append(f"value: {self.value}")
        if self.error_kind is not None:
            parts.append(f"error ({self.error_kind}): {self.error or ''}".rstrip(": "))
        text = "\n".join(parts) or "(no output)"
        return text if len(text) <= limit else text[:limit] + " [...]"


def _lower(limit: int, value: int) -> None:
    """Lower a resource limit (a process may always lower, never raise, its hard limit)."""
    _, hard = resource.getrlimit(limit)
    cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(limit, (cap, cap))


def _apply_limits(limits: SandboxLimits) -> None:
    """Runs in the child between fork and exec."""
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    cpu_hard = limits.cpu_seconds + 1 if hard == resource.RLIM_INFINITY else min(limits.cpu_seconds + 1, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (min(limits.cpu_seconds, cpu_hard), cpu_hard))
    _lower(resource.RLIMIT_AS, limits.memory_mb * 2**20)
    _lower(resource.RLIMIT_FSIZE, limits.file_size_mb * 2**20)
    _lower(resource.RLIMIT_NPROC, limits.max_processes)
    _lower(resource.RLIMIT_CORE, 0)
    _lower(resource.RLIMIT_NOFILE, 64)


class _Group:
    """The child's process group; killed at most once, and never after the child was reaped."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.killed = False

    def kill(self) -> None:
        if self.killed or self.process.returncode is not None:
            return
        self.killed = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


async def _drain(stream: asyncio.StreamReader | None, cap: int,
                 on_overflow: Callable[[], None] | None) -> tuple[bytes, bool]:
    """Keep the first ``cap`` bytes. Past them call ``on_overflow`` and stop, or with no callback keep
    reading and drop the rest (so a chatty stderr never blocks the child)."""
    if stream is None:
        return b"", False
    buffer = bytearray()
    overflow = False
    while chunk := await stream.read(65_536):
        if len(buffer) + len(chunk) > cap:
            buffer += chunk[: cap - len(buffer)]
            overflow = True
            if on_overflow is not None:
                on_overflow()
                break
        elif not overflow:
            buffer += chunk
    return bytes(buffer), overflow


def _read_result(fd: int) -> dict[str, Any] | None:
    os.set_blocking(fd, False)
    data = bytearray()
    with contextlib.suppress(BlockingIOError):
        while len(data) < _RESULT_CAP and (chunk := os.read(fd, 65_536)):
            data += chunk
    try:
        value = json.loads(bytes(data)) if data else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


async def run_python(code: str, limits: SandboxLimits | None = None, *,
                     python: str | None = None) -> SandboxResult:
    """Run ``code`` in a fresh sandboxed interpreter; never raises for anything the code does."""
    limits = limits or SandboxLimits()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hadron-sandbox-") as workdir:
        read_fd, write_fd = os.pipe()
        try:
            try:
                process = await asyncio.create_subprocess_exec(
                    python or sys.executable, "-I", "-S", "-c", BOOTSTRAP, str(write_fd), workdir,
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE, cwd=workdir, env=_CHILD_ENV, start_new_session=True,
                    pass_fds=(write_fd,), preexec_fn=partial(_apply_limits, limits))
            finally:
                os.close(write_fd)
            group = _Group(process)
            try:
                return await _supervise(process, group, code, limits, read_fd, start)
            finally:
                group.kill()
                if process.returncode is None:
                    await process.wait()
        finally:
            os.close(read_fd)


async def _supervise(process: asyncio.subprocess.Process, group: _Group, code: str,
                     limits: SandboxLimits, read_fd: int, start: float) -> SandboxResult:
    out_task = asyncio.create_task(_drain(process.stdout, limits.max_output_bytes, group.kill))
    err_task = asyncio.create_task(_drain(process.stderr, _STDERR_CAP, None))
    assert process.stdin is not None
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        process.stdin.write(code.encode("utf-8", errors="replace"))
        await process.stdin.drain()
        process.stdin.close()
    timed_out = False
    try:
        await asyncio.wait_for(process.wait(), timeout=limits.wall_seconds)
    except TimeoutError:
        timed_out = not group.killed  # a kill for too much output is not a timeout
        group.kill()
        await process.wait()
    (stdout, overflow), (stderr, _) = await asyncio.gather(out_task, err_task)
    result = SandboxResult(stdout=stdout.decode("utf-8", errors="replace"), truncated=overflow,
                           stderr=stderr.decode("utf-8", errors="replace"),
                           seconds=time.perf_counter() - start)
    reported = _read_result(read_fd)
    if reported is not None:
        result.value = reported.get("value")
        result.error_kind = reported.get("error_kind")
        result.error = reported.get("error")
        result.refused = list(reported.get("refused") or [])
    _classify(result, process.returncode, timed_out=timed_out, overflow=overflow,
              reported=reported is not None, limits=limits)
    return result


def _classify(result: SandboxResult, returncode: int | None, *, timed_out: bool, overflow: bool,
              reported: bool, limits: SandboxLimits) -> None:
    """Name why a run that did not report its own outcome ended."""
    if overflow:
        result.error_kind = "output_limit"
        result.error = f"the output passed {limits.max_output_bytes} bytes; the process was killed"
    elif timed_out:
        result.error_kind = "timeout"
        result.error = f"no result within {limits.wall_seconds:g} s; the process was killed"
    elif reported:
        return
    elif returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        result.error_kind = "cpu_limit"
        result.error = f"the CPU time limit ({limits.cpu_seconds} s) was reached"
    elif "MemoryError" in result.stderr:
        result.error_kind = "memory"
        result.error = "MemoryError: the memory limit was reached"
    else:
        result.error_kind = "crashed"
        tail = result.stderr.strip().splitlines()[-1:] or [f"exit status {returncode}"]
        result.error = tail[0][:500]


__all__ = ["ErrorKind", "SandboxLimits", "SandboxResult", "run_python"]
