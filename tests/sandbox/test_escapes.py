"""The escape corpus: each probe is model-written code trying to get out; each must be stopped, and the
test checks what stopped it by the evidence only that layer leaves (an errno, a signal, a status).

Layers and their evidence:
- seccomp: the call fails with EPERM (``[Errno 1]``), or the process dies of SIGSYS;
- mount namespace: the host path does not exist inside (``[Errno 2]``);
- read-only mounts: ``[Errno 30] Read-only file system``;
- separate tmpfs: a hard link across it fails with ``[Errno 18]`` (EXDEV);
- pid namespace: the host pid does not exist inside (``[Errno 3]``);
- rlimits: ``cpu_limit`` / ``memory`` status, ``[Errno 27]`` (EFBIG), ``ValueError`` on raising;
- tmpfs size: ``[Errno 28]`` (ENOSPC);
- supervisor: ``timeout`` status, or ``refused`` with ``truncated`` output.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from hadron.sandbox import SandboxLimits, SandboxResult, run_python

FAKE_KEY = "sk-fake-sandbox-canary-0123456789"
LIMITS = SandboxLimits(cpu_seconds=1, wall_seconds=3.0, memory_mb=256, file_size_mb=2, tmp_mb=8,
                       max_output_bytes=4_000)


@dataclass(frozen=True)
class Probe:
    name: str
    code: str
    stopped_by: str
    evidence: str
    """Must appear in the result's error (or, for probes that print, its stdout)."""
    status: str = ""
    """Expected status; by default ``error`` for a path or pid that does not exist inside (hidden and
    absent look the same), else ``refused``."""
    limits: SandboxLimits | None = None
    """Other limits than ``LIMITS`` (CPU-bound probes get a long wall clock: 2 busy cores are slow)."""


ISSUE_PROBE = """
import os
root = os.getcwd(); rfd = os.open(root, os.O_RDONLY); depth = root.count("/")
deep = os.path.join(root, *["d"] * (depth + 1)); os.makedirs(deep); os.chdir(deep)
fd = os.open("../" * depth + "proc/%d/environ" % os.getppid(), os.O_RDONLY, dir_fd=rfd)
print([e for e in os.read(fd, 100000).split(b"\\0") if b"API_KEY" in e])
"""

WRITE_OUT_DIR_FD = """
import os
root = os.getcwd(); rfd = os.open(root, os.O_RDONLY); depth = root.count("/")
deep = os.path.join(root, *["d"] * (depth + 1)); os.makedirs(deep); os.chdir(deep)
fd = os.open("../" * (depth + 3) + "{target}", os.O_WRONLY | os.O_CREAT, dir_fd=rfd)
os.write(fd, b"escaped")
"""

LIBC = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
RAISE_ERRNO = "raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))"


def libc_call(call: str) -> str:
    """Code that makes a raw libc call and raises its errno as an OSError when it fails."""
    return f"{LIBC}if {call} < 0:\n    {RAISE_ERRNO}"


# the evidence each layer leaves
ENOENT, EROFS, EPERM, ESRCH = "[Errno 2]", "[Errno 30]", "[Errno 1]", "[Errno 3]"
MOUNT_NS, READ_ONLY, SECCOMP = "mount namespace", "read-only mounts", "seccomp"

PROBES = [
    Probe("issue_dir_fd_proc_parent_environ", ISSUE_PROBE, "mount namespace (no /proc)", ENOENT),
    Probe("dir_fd_write_host_tmp", WRITE_OUT_DIR_FD, MOUNT_NS, ENOENT),
    Probe("dir_fd_write_usr", WRITE_OUT_DIR_FD.replace("{target}", "usr/escaped.txt"), READ_ONLY,
          EROFS),
    Probe("symlink_to_host_file", "import os\nos.symlink('{canary}', 'l')\nopen('l').read()",
          MOUNT_NS, ENOENT),
    Probe("symlink_dotdot_chain",
          "import os\nos.symlink('../../../../../../etc/shadow', 'l')\nopen('l').read()",
          MOUNT_NS, ENOENT),
    Probe("hard_link_into_tmp", "import os, sys\nos.link(os.path.realpath(sys.executable), 'py')",
          "separate tmpfs", "[Errno 18]"),
    Probe("hard_link_host_canary", "import os\nos.link('{canary}', 'c')", MOUNT_NS, ENOENT),
    Probe("read_etc_shadow", "open('/etc/shadow').read()", MOUNT_NS, ENOENT),
    Probe("read_host_canary", "open('{canary}').read()", MOUNT_NS, ENOENT),
    Probe("proc_self_environ", "open('/proc/self/environ').read()", "mount namespace (no /proc)", ENOENT),
    Probe("write_site_packages",
          "import sysconfig\nopen(sysconfig.get_paths()['purelib'] + '/evil.pth', 'w')",
          READ_ONLY, EROFS),
    Probe("write_root_ssh", "import os\nos.makedirs('/root/.ssh', exist_ok=True)\n"
          "open('/root/.ssh/authorized_keys', 'a').write('ssh-ed25519 AAAA evil')", READ_ONLY, EROFS),
    Probe("tamper_stdlib_module", "import json\nopen(json.__file__, 'a').write('raise SystemExit')",
          READ_ONLY, EROFS),
    Probe("tamper_interpreter_binary", "import os, sys\nos.chmod(os.path.realpath(sys.executable), 0o777)",
          READ_ONLY, EROFS),
    Probe("remount_rw_via_ctypes",
          libc_call("libc.mount(b'none', b'/usr', None, 32 | 4096, None)"),  # MS_REMOUNT|MS_BIND
          SECCOMP, EPERM),
    Probe("kill_parent", "import os, signal\nos.kill({host_pid}, signal.SIGKILL)", "pid namespace", ESRCH),
    Probe("kill_getppid_and_all",
          "import os, signal\nos.kill(-1, signal.SIGKILL)\nos.kill(os.getppid(), signal.SIGKILL)\n"
          "os.kill({host_pid}, signal.SIGTERM)", "pid namespace", ESRCH),
    Probe("fork_bomb", "import os\nwhile True:\n    os.fork()", SECCOMP, EPERM),
    Probe("subprocess_shell", "import subprocess\nsubprocess.run(['/bin/sh', '-c', 'id'])", SECCOMP, EPERM),
    Probe("posix_spawn", "import os\nos.posix_spawn('/bin/sh', ['sh'], {{}})", SECCOMP, EPERM),
    Probe("ctypes_raw_fork_syscall",
          libc_call("libc.syscall(57)"),
          SECCOMP, EPERM),
    Probe("ctypes_unshare_user_ns",
          libc_call("libc.unshare(0x10000000)"),
          SECCOMP, EPERM),
    Probe("ctypes_ptrace_attach",
          libc_call("libc.ptrace(16, 1, 0, 0)"),
          SECCOMP, EPERM),
    Probe("ctypes_x32_socket_syscall",
          "import ctypes\nctypes.CDLL(None).syscall(0x40000000 | 41, 2, 1, 0)\nprint('survived')",
          "seccomp (foreign syscall kills)", SECCOMP),
    Probe("mmap_interpreter_writable",
          "import mmap, os, sys\nf = open(os.path.realpath(sys.executable), 'rb')\n"
          "m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ | mmap.PROT_WRITE, flags=mmap.MAP_SHARED)",
          "read-only mounts (file opened read-only)", "[Errno 13]"),
    Probe("mmap_huge_anonymous", "import mmap\nm = mmap.mmap(-1, 4 << 30)\nm[-1] = 1",
          "RLIMIT_AS", "[Errno 12]", status="error"),
    Probe("setrlimit_raise_cpu_then_spin",
          "import resource\ntry:\n    resource.setrlimit(resource.RLIMIT_CPU, (10**6, 10**6))\n"
          "except ValueError as exc:\n    print('raise refused:', exc)\nwhile True:\n    pass",
          "RLIMIT_CPU (hard limit cannot be raised)", "CPU limit", status="cpu_limit",
          limits=replace(LIMITS, wall_seconds=30.0)),
    Probe("memory_hog", "x = bytearray(1 << 31)", "RLIMIT_AS", "MemoryError", status="memory"),
    Probe("thread_bomb",
          "import threading, time\nn = 0\nwhile True:\n"
          "    threading.Thread(target=time.sleep, args=(5,), daemon=True).start(); n += 1",
          "RLIMIT_AS (bounds threads)", "can't start new thread", status="error"),
    Probe("big_file", "open('big', 'wb').write(b'x' * (4 << 20))", "RLIMIT_FSIZE", "[Errno 27]"),
    Probe("fill_tmp", "for i in range(100):\n    open(f'f{{i}}', 'wb').write(b'x' * (1 << 20))",
          "tmpfs size", "[Errno 28]"),
    Probe("write_dev_shm", "open('/dev/shm/x', 'w')", READ_ONLY, EROFS),
    Probe("infinite_output", "while True:\n    print('y' * 1000)", "output cap (supervisor kill)",
          "output passed"),
    Probe("sleep_forever", "import time\ntime.sleep(3600)", "wall clock (supervisor kill)",
          "no result within",
          status="timeout"),
    Probe("socketpair", "import socket\nsocket.socketpair()", SECCOMP, EPERM),
] + [
    Probe(f"socket_{family.name}", f"import socket\nsocket.socket({int(family)}, socket.SOCK_DGRAM)",
          SECCOMP, EPERM)
    for family in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX, socket.AF_NETLINK, socket.AF_PACKET)
]


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("host") / "secret.txt"
    path.write_text(FAKE_KEY)
    return path


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_probe_is_stopped(probe: Probe, canary: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_OPENAI_API_KEY", FAKE_KEY)
    code = probe.code.format(canary=canary, host_pid=os.getpid(), target=canary.parent / "out.txt")
    result: SandboxResult = run_python(code, probe.limits or LIMITS)
    where = f"{result.error or ''}\n{result.stdout}"
    expected = probe.status or ("error" if probe.evidence in (ENOENT, ESRCH) else "refused")
    assert result.status == expected, (probe.stopped_by, result)
    assert probe.evidence in where, (probe.stopped_by, result)
    assert FAKE_KEY not in result.stdout + result.stderr + (result.error or "")
    assert not (canary.parent / "out.txt").exists()
    assert not result.unsafe


def test_corpus_size() -> None:
    assert len(PROBES) >= 25


def test_environment_is_only_the_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_OPENAI_API_KEY", FAKE_KEY)
    result = run_python("import os\nsorted(os.environ)", LIMITS)
    assert result.ok
    assert result.value == repr(["HOME", "LANG", "LC_ALL", "PATH", "PWD", "PYTHONDONTWRITEBYTECODE",
                                 "PYTHONHASHSEED"])


def test_limits_are_set_by_the_parent_not_the_code() -> None:
    result = run_python("import resource\nresource.getrlimit(resource.RLIMIT_AS)", LIMITS)
    assert result.value == repr((256 << 20, 256 << 20))


def test_scientific_libraries_are_importable_read_only() -> None:
    code = ("import math, fractions, decimal\nfrom fractions import Fraction\n"
            "(math.comb(10, 3), str(Fraction(1, 3) + Fraction(1, 6)), str(decimal.Decimal('0.1') * 3))")
    result = run_python(code, LIMITS)
    assert result.value == repr((120, "1/2", "0.3"))
    sympy = pytest.importorskip("sympy")
    result = run_python("import sympy\nsympy.factorint(360)", SandboxLimits())
    assert result.ok and result.value == repr(sympy.factorint(360))
