"""Run Python source behind the OS boundary and say how it ended.

One fresh process per call, started by bubblewrap (namespaces, read-only mounts, seccomp) under
kernel resource limits set before bubblewrap starts (so nothing inside can raise them: raising a hard
limit needs CAP_SYS_RESOURCE in the host's user namespace). The parent enforces the wall clock and
the output cap by killing bubblewrap; its ``--die-with-parent`` and the pid namespace take every
process inside down with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import resource
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from hadron.sandbox import _seccomp
from hadron.sandbox._bwrap import ENV_ALLOWLIST, bwrap_argv, find_bwrap, python_paths
from hadron.sandbox._child import BOOTSTRAP
from hadron.sandbox.types import SandboxLimits, SandboxResult, SandboxUnavailable, Status

log = logging.getLogger(__name__)

_STDERR_CAP = 8_000
_RESULT_CAP = 64_000
_SIGNALLED = 128  # bubblewrap exits 128 + n when the code died of signal n


def _lower(which: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit (never raise it: the current hard limit wins)."""
    _, current = resource.getrlimit(which)
    hard = soft if hard is None else hard
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def _apply_limits(limits: SandboxLimits) -> None:
    """Runs in the child between fork and exec of bubblewrap; inherited by the code."""
    _lower(resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1)
    _lower(resource.RLIMIT_AS, limits.memory_mb * 2**20)
    _lower(resource.RLIMIT_FSIZE, limits.file_size_mb * 2**20)
    _lower(resource.RLIMIT_NOFILE, limits.max_open_files)
    _lower(resource.RLIMIT_CORE, 0)
    _lower(resource.RLIMIT_NPROC, 64)  # for non-root hosts; fork is refused by seccomp anyway
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big write fails with EFBIG, not a kill


@dataclass(frozen=True, slots=True)
class _Plan:
    argv_prefix: list[str]
    python: str
    libs: list[str]
    unsafe: bool


def _plan(unsafe: bool) -> _Plan:
    from hadron.sandbox.layers import boundary

    python, libs = python_paths()
    report = boundary()
    if report.available:
        return _Plan([], python, libs, unsafe=False)
    if not unsafe:
        raise SandboxUnavailable(f"no OS sandbox on this host: {report.reason}",
                                 hint="see `hadron.sandbox.layers`; pass --unsafe-sandbox to run "
                                      "model-written code without one")
    log.warning("UNSAFE: running model-written code with no OS sandbox (%s)", report.reason)
    return _Plan([], python, libs, unsafe=True)


class _Kill:
    """Kill bubblewrap's process group at most once, never after it was reaped."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.reason: str | None = None

    def __call__(self, reason: str) -> None:
        if self.reason is not None or self.process.returncode is not None:
            return
        self.reason = reason
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


async def _drain(stream: asyncio.StreamReader | None, cap: int,
                 on_overflow: Callable[[], None] | None) -> tuple[bytes, bool]:
    """Keep the first ``cap`` bytes; past them call ``on_overflow`` (and stop) or drop the rest."""
    if stream is None:
        return b"", False
    buffer = bytearray()
    overflow = False
    while chunk := await stream.read(65_536):
        if len(buffer) + len(chunk) > cap:
            buffer += chunk[: max(0, cap - len(buffer))]
            overflow = True
            if on_overflow is not None:
                on_overflow()
                break
        elif not overflow:
            buffer += chunk
    return bytes(buffer), overflow


def _read_report(fd: int) -> dict[str, Any] | None:
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


async def arun_python(code: str, limits: SandboxLimits | None = None, *,
                      unsafe: bool = False) -> SandboxResult:
    """Run ``code`` in a fresh sandboxed interpreter; never raises for anything the code does.

    Raises ``SandboxUnavailable`` when the host offers no boundary, unless ``unsafe`` is set (then
    the run has only resource limits and an empty environment, and the result says ``unsafe``).
    """
    limits = limits or SandboxLimits()
    plan = _plan(unsafe)
    start = time.perf_counter()
    report_r, report_w = os.pipe()
    filter_r = filter_w = -1
    workdir = None
    try:
        if plan.unsafe:
            workdir = tempfile.mkdtemp(prefix="hadron-unsafe-sandbox-")
            argv = [plan.python, "-I", "-S", "-c", BOOTSTRAP, json.dumps(plan.libs), str(report_w)]
            fds: tuple[int, ...] = (report_w,)
        else:
            bwrap = find_bwrap()
            assert bwrap is not None  # boundary() said it is available
            filter_r, filter_w = os.pipe()
            os.write(filter_w, _seccomp.build_filter())
            os.close(filter_w)
            argv = [*bwrap_argv(bwrap, python=plan.python, libs=plan.libs,
                                tmp_bytes=limits.tmp_mb * 2**20, seccomp_fd=filter_r),
                    plan.python, "-I", "-S", "-c", BOOTSTRAP, json.dumps(plan.libs), str(report_w)]
            fds = (report_w, filter_r)
        try:
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=dict(ENV_ALLOWLIST), cwd=workdir or "/",
                start_new_session=True, pass_fds=fds, preexec_fn=partial(_apply_limits, limits))
        finally:
            os.close(report_w)
            if filter_r >= 0:
                os.close(filter_r)
        kill = _Kill(process)
        try:
            result = await _supervise(process, kill, code, limits, report_r)
        finally:
            kill("cleanup")
            if process.returncode is None:
                await process.wait()
    finally:
        os.close(report_r)
        if workdir is not None:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    result.seconds = time.perf_counter() - start
    result.unsafe = plan.unsafe
    return result


async def _supervise(process: asyncio.subprocess.Process, kill: _Kill, code: str,
                     limits: SandboxLimits, report_fd: int) -> SandboxResult:
    out_task = asyncio.create_task(_drain(process.stdout, limits.max_output_bytes,
                                          lambda: kill("output")))
    err_task = asyncio.create_task(_drain(process.stderr, _STDERR_CAP, None))
    assert process.stdin is not None
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        process.stdin.write(code.encode("utf-8", errors="replace"))
        await process.stdin.drain()
        process.stdin.close()
    try:
        await asyncio.wait_for(process.wait(), timeout=limits.wall_seconds)
    except TimeoutError:
        kill("timeout")
        await process.wait()
    (stdout, overflow), (stderr, _) = await asyncio.gather(out_task, err_task)
    result = SandboxResult(status="ok", stdout=stdout.decode("utf-8", errors="replace"),
                           stderr=stderr.decode("utf-8", errors="replace"), truncated=overflow)
    _classify(result, process.returncode, kill.reason, _read_report(report_fd), limits)
    return result


_KINDS: dict[str, Status] = {"syntax": "error", "exception": "error", "memory": "memory",
                             "refused": "refused"}


def _classify(result: SandboxResult, returncode: int | None, killed: str | None,
              report: dict[str, Any] | None, limits: SandboxLimits) -> None:
    """Name how the run ended: our kill first, then the code's own report, then its exit."""
    if killed == "output":
        result.status, result.error = "refused", (
            f"output passed {limits.max_output_bytes} bytes; the sandbox was killed")
        return
    if killed == "timeout":
        result.status, result.error = "timeout", f"no result within {limits.wall_seconds:g} s"
        return
    if report is not None:
        kind = report.get("kind")
        result.value = report.get("value") if isinstance(report.get("value"), str) else None
        if kind is None:
            return
        result.status = _KINDS.get(str(kind), "error")
        result.error = str(report.get("error") or kind)[:2000]
        return
    signalled = -returncode if returncode is not None and returncode < 0 else (
        returncode - _SIGNALLED if returncode is not None and returncode > _SIGNALLED else None)
    if signalled in (signal.SIGXCPU, signal.SIGKILL):
        result.status, result.error = "cpu_limit", f"the CPU limit ({limits.cpu_seconds} s) was reached"
    elif "MemoryError" in result.stderr:
        result.status, result.error = "memory", "MemoryError: the memory limit was reached"
    elif signalled == signal.SIGSYS:
        result.status, result.error = "refused", "killed by the seccomp filter (foreign system call)"
    else:
        result.status = "error"
        tail = result.stderr.strip().splitlines()[-1:] or [f"exit status {returncode}"]
        result.error = tail[0][:500]


def run_python(code: str, limits: SandboxLimits | None = None, *, unsafe: bool = False) -> SandboxResult:
    """Blocking form of ``arun_python`` (not for use inside a running event loop)."""
    return asyncio.run(arun_python(code, limits, unsafe=unsafe))


__all__ = ["arun_python", "run_python"]
