"""The seccomp filter: a classic-BPF program bubblewrap installs right before it starts Python.

Written out by hand (no libseccomp needed) for the two architectures we ship for. It refuses, with
``EPERM``, every call that opens a way out of the sandbox or makes a new process:

- ``socket``/``socketpair`` (every family: INET, INET6, UNIX, NETLINK, PACKET, ...);
- ``fork``/``vfork``, ``clone`` without ``CLONE_THREAD`` (threads stay allowed; their number is bounded
  by the memory limit), and ``clone3`` (answered ``ENOSYS`` so the C library falls back to ``clone``);
- namespace, mount, ptrace, keyring, BPF, io_uring, module, kexec and reboot calls.

Any other architecture's calls (i386 through ``int 0x80``, x32) kill the process: their numbers differ,
so a filter keyed on native numbers would not hold for them.
"""

from __future__ import annotations

import errno
import platform
import struct

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]
_NR, _ARCH, _ARG0_LOW = 0, 4, 16

_LD_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET = 0x06  # BPF_RET | BPF_K

_ALLOW = 0x7FFF0000
_KILL_PROCESS = 0x80000000
_ERRNO = 0x00050000
_CLONE_THREAD = 0x00010000
_X32_BIT = 0x40000000

_DENIED = ("socket", "socketpair", "fork", "vfork", "ptrace", "mount", "umount2", "pivot_root",
           "chroot", "unshare", "setns", "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
           "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "kexec_load",
           "kexec_file_load", "reboot", "init_module", "finit_module", "delete_module", "acct",
           "swapon", "swapoff", "process_vm_readv", "process_vm_writev", "name_to_handle_at",
           "open_by_handle_at", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
           "mount_setattr", "kcmp")

# (audit arch, syscall numbers) from the kernel's unistd_64.h and asm-generic/unistd.h.
_ARCHES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (0xC000003E, {
        "socket": 41, "socketpair": 53, "fork": 57, "vfork": 58, "clone": 56, "clone3": 435,
        "ptrace": 101, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
        "unshare": 272, "setns": 308, "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321,
        "perf_event_open": 298, "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "kexec_load": 246, "kexec_file_load": 320, "reboot": 169,
        "init_module": 175, "finit_module": 313, "delete_module": 176, "acct": 163, "swapon": 167,
        "swapoff": 168, "process_vm_readv": 310, "process_vm_writev": 311, "name_to_handle_at": 303,
        "open_by_handle_at": 304, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "kcmp": 312}),
    "aarch64": (0xC00000B7, {
        "socket": 198, "socketpair": 199, "clone": 220, "clone3": 435, "ptrace": 117, "mount": 40,
        "umount2": 39, "pivot_root": 41, "chroot": 51, "unshare": 97, "setns": 268, "keyctl": 219,
        "add_key": 217, "request_key": 218, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 104,
        "kexec_file_load": 294, "reboot": 142, "init_module": 105, "finit_module": 273,
        "delete_module": 106, "acct": 89, "swapon": 224, "swapoff": 225, "process_vm_readv": 270,
        "process_vm_writev": 271, "name_to_handle_at": 264, "open_by_handle_at": 265,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "mount_setattr": 442, "kcmp": 272}),
}


def supported() -> bool:
    return platform.machine() in _ARCHES


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def build_filter(machine: str | None = None) -> bytes:
    """The filter as the raw ``struct sock_filter`` array bubblewrap's ``--seccomp FD`` reads."""
    arch, numbers = _ARCHES[machine or platform.machine()]
    denied = [numbers[name] for name in _DENIED if name in numbers]
    program = [
        _insn(_LD_ABS, 0, 0, _ARCH),
        _insn(_JEQ, 1, 0, arch),
        _insn(_RET, 0, 0, _KILL_PROCESS),
        _insn(_LD_ABS, 0, 0, _NR),
        _insn(_JGE, 0, 1, _X32_BIT),
        _insn(_RET, 0, 0, _KILL_PROCESS),
    ]
    for number in denied:  # each: if nr == number return EPERM
        program += [_insn(_JEQ, 0, 1, number), _insn(_RET, 0, 0, _ERRNO | errno.EPERM)]
    program += [
        _insn(_JEQ, 0, 1, numbers["clone3"]),
        _insn(_RET, 0, 0, _ERRNO | errno.ENOSYS),
        _insn(_JEQ, 1, 0, numbers["clone"]),
        _insn(_RET, 0, 0, _ALLOW),
        # clone: allowed only for a thread (CLONE_THREAD set in the low word of flags, args[0])
        _insn(_LD_ABS, 0, 0, _ARG0_LOW),
        _insn(_JSET, 0, 1, _CLONE_THREAD),
        _insn(_RET, 0, 0, _ALLOW),
        _insn(_RET, 0, 0, _ERRNO | errno.EPERM),
    ]
    return b"".join(program)


__all__ = ["build_filter", "supported"]
