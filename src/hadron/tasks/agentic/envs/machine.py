"""The simulated Linux host behind the terminal environment: files, mounts, processes and services.

Everything is plain data (the scenario's ``initial_state``) plus a few operations with the effects a
real host has: deleting a file frees space on its mount; a service starts only when its dependencies
run and its start conditions hold (free disk space, a stale lock file gone, a config line fixed), and a
failed start leaves a journal line saying why; killing a service's main process fails the service.
"""

from __future__ import annotations

import posixpath
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)


def parse_size(value: Any) -> Any:
    """``"4.5G"`` → bytes; ints pass through (YAML sizes read like ``du -h`` output)."""
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match is None:
            raise ValueError(f"not a size: {value!r} (use bytes or a number with K, M, G or T)")
        return int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    return value


def human(size: int) -> str:
    """Bytes as ``df -h`` prints them."""
    value = float(size)
    for unit in ("B", "K", "M", "G", "T"):
        if value < 1024 or unit == "T":
            if unit == "B":
                return f"{int(value)}"
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
        value /= 1024
    return str(size)


Size = Annotated[int, BeforeValidator(parse_size)]
STANDARD_DIRS = ("/bin", "/etc", "/home", "/opt", "/root", "/srv", "/tmp", "/usr", "/var/log", "/var/run")
"""Folders every host has, whether or not the scenario puts files in them."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileEntry(_Strict):
    content: str = ""
    size: Size | None = None
    """Apparent size in bytes when it differs from the content (a 9 GB log shown by its last lines)."""
    owner: str = "root"
    group: str | None = None
    """None: the owner's name (as ``useradd`` makes one group per user)."""
    mode: str = Field(default="644", pattern=r"^[0-7]{3,4}$")
    """Permission bits in octal, as ``chmod`` takes them."""
    mtime: str = "May  1 09:58"

    @property
    def bytes(self) -> int:
        return self.size if self.size is not None else len(self.content.encode())


class Process(_Strict):
    pid: int = Field(ge=1)
    command: str
    user: str = "root"
    cpu: float = Field(default=0.0, ge=0)
    mem: float = Field(default=0.0, ge=0)


class NoFile(_Strict):
    absent: str
    message: str


class FreeSpace(_Strict):
    free: str
    """The mount point that needs space."""
    at_least: Size
    message: str = "No space left on device"


class FileLacks(_Strict):
    file: str
    lacks: str
    message: str


StartCondition = NoFile | FreeSpace | FileLacks


class Service(_Strict):
    description: str = ""
    state: Literal["active", "inactive", "failed"] = "active"
    command: str
    user: str = "root"
    pid: int | None = None
    cpu: float = 0.3
    mem: float = 1.2
    requires: list[str] = Field(default_factory=list)
    conditions: list[StartCondition] = Field(default_factory=list)
    journal: list[str] = Field(default_factory=list)


class Mount(_Strict):
    device: str = "/dev/sda1"
    size: Size
    used: Size = 0
    """Space taken by things the scenario does not model as files."""


class TerminalState(_Strict):
    hostname: str = "web-01"
    user: str = "root"
    cwd: str = "/root"
    clock: str = "May 01 10:00:00"
    files: dict[str, FileEntry] = Field(default_factory=dict)
    dirs: list[str] = Field(default_factory=list)
    dir_modes: dict[str, str] = Field(default_factory=dict)
    """Folders whose permission bits are not 755 (``chmod`` on a folder), octal."""
    dir_owners: dict[str, str] = Field(default_factory=dict)
    """Folders not owned by root:root (``chown`` on a folder), as ``user:group``."""
    mounts: dict[str, Mount] = Field(default_factory=lambda: {"/": Mount(size=50 * 1024**3)})
    processes: list[Process] = Field(default_factory=list)
    services: dict[str, Service] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _short_files(cls, data: Any) -> Any:
        """``files: {path: "text"}`` is short for ``{path: {content: "text"}}``."""
        if isinstance(data, dict) and isinstance(data.get("files"), dict):
            data = {
                **data,
                "files": {
                    path: {"content": entry} if isinstance(entry, str) else entry
                    for path, entry in data["files"].items()
                },
            }
        return data

    @model_validator(mode="after")
    def _consistent(self) -> TerminalState:
        for path in [*self.files, *self.dirs, *self.mounts]:
            if not path.startswith("/"):
                raise ValueError(f"paths must be absolute: {path!r}")
        if "/" not in self.mounts:
            raise ValueError("mounts must include '/'")
        for name, service in self.services.items():
            unknown = [dep for dep in service.requires if dep not in self.services]
            if unknown:
                raise ValueError(f"service {name!r} requires unknown services {unknown}")
        pids = [process.pid for process in self.processes]
        if len(set(pids)) != len(pids):
            raise ValueError("process ids must be unique")
        return self


class Machine:
    """Operations over a ``TerminalState`` (mutated in place)."""

    def __init__(self, state: TerminalState) -> None:
        self.state = state
        implied = {
            *STANDARD_DIRS,
            *(posixpath.dirname(path) for path in [*state.files, *state.dirs, *state.mounts]),
        }
        for path in list(implied):
            while path not in ("/", ""):
                implied.add(path)
                path = posixpath.dirname(path)
        state.dirs = sorted({*state.dirs, *implied} - {"/"})
        for name, service in state.services.items():
            if service.state == "active" and not self.process(service.pid):
                self._spawn(name, service, pid=service.pid)

    # -- files ---------------------------------------------------------------------------------------

    def path(self, raw: str) -> str:
        if raw == "~" or raw.startswith("~/"):
            raw = "/root" + raw[1:]
        return posixpath.normpath(posixpath.join(self.state.cwd, raw)).replace("//", "/")

    def is_dir(self, path: str) -> bool:
        return path == "/" or path in self.state.dirs or path in self.state.mounts

    def exists(self, path: str) -> bool:
        return path in self.state.files or self.is_dir(path)

    def children(self, path: str) -> list[str]:
        prefix = "/" if path == "/" else path.rstrip("/") + "/"
        names = {
            name[len(prefix) :].split("/")[0]
            for name in [*self.state.files, *self.state.dirs]
            if name.startswith(prefix) and name != prefix
        }
        return sorted(name for name in names if name)

    def under(self, path: str) -> list[str]:
        """Every file at or below ``path``."""
        prefix = "/" if path == "/" else path.rstrip("/") + "/"
        return [name for name in self.state.files if name == path or name.startswith(prefix)]

    def size_of(self, path: str) -> int:
        return sum(self.state.files[name].bytes for name in self.under(path))

    def remove(self, path: str) -> None:
        for name in self.under(path):
            del self.state.files[name]
        prefix = path.rstrip("/") + "/"
        self.state.dirs = [d for d in self.state.dirs if d != path and not d.startswith(prefix)]
        for table in (self.state.dir_modes, self.state.dir_owners):
            for key in [k for k in table if k == path or k.startswith(prefix)]:
                del table[key]

    def write(self, path: str, content: str, *, append: bool = False) -> None:
        entry = self.state.files.get(path)
        if entry is None:
            self.state.files[path] = FileEntry(content=content)
            if posixpath.dirname(path) not in ("/", *self.state.dirs):
                self.state.dirs.append(posixpath.dirname(path))
        else:
            entry.content = entry.content + content if append else content
            entry.size = None if not append or entry.size is None else entry.size + len(content.encode())

    # -- disks ---------------------------------------------------------------------------------------

    def mount_of(self, path: str) -> str:
        best = "/"
        for mount in self.state.mounts:
            if (path == mount or path.startswith(mount.rstrip("/") + "/")) and len(mount) > len(best):
                best = mount
        return best

    def used(self, mount: str) -> int:
        files = sum(entry.bytes for name, entry in self.state.files.items() if self.mount_of(name) == mount)
        return self.state.mounts[mount].used + files

    def free(self, mount: str) -> int:
        return max(0, self.state.mounts[mount].size - self.used(mount))

    def used_pct(self, mount: str) -> float:
        return 100.0 * self.used(mount) / self.state.mounts[mount].size

    # -- processes and services --------------------------------------------------------------------

    def process(self, pid: int | None) -> Process | None:
        return next((p for p in self.state.processes if p.pid == pid), None) if pid else None

    def next_pid(self) -> int:
        return max([999, *(p.pid for p in self.state.processes)]) + 1

    def _spawn(self, name: str, service: Service, pid: int | None = None) -> None:
        service.pid = pid or self.next_pid()
        self.state.processes.append(
            Process(
                pid=service.pid, command=service.command, user=service.user, cpu=service.cpu, mem=service.mem
            )
        )

    def service_of(self, pid: int) -> str | None:
        return next((name for name, s in self.state.services.items() if s.pid == pid), None)

    def kill(self, pid: int) -> None:
        self.state.processes = [p for p in self.state.processes if p.pid != pid]
        name = self.service_of(pid)
        if name is not None:
            service = self.state.services[name]
            service.state, service.pid = "failed", None
            self.log(name, f"{name}.service: Main process exited, code=killed, status=9/KILL")
            self.log(name, f"{name}.service: Failed with result 'signal'.")

    def stop(self, name: str) -> None:
        service = self.state.services[name]
        if service.pid is not None:
            self.state.processes = [p for p in self.state.processes if p.pid != service.pid]
        if service.state == "active":
            self.log(name, f"Stopped {service.description or name}.")
        service.state, service.pid = "inactive", None

    def start(self, name: str) -> str | None:
        """Start ``name``; returns why it failed (also written to its journal), or None."""
        service = self.state.services[name]
        if service.state == "active":
            return None
        self.log(name, f"Starting {service.description or name}...")
        reason = self.start_blocker(service)
        if reason is not None:
            service.state, service.pid = "failed", None
            self.log(name, f"{service.command.split()[0]}: {reason}")
            self.log(name, f"{name}.service: Failed with result 'exit-code'.")
            self.log(name, f"Failed to start {service.description or name}.")
            return reason
        service.state = "active"
        self._spawn(name, service)
        self.log(name, f"Started {service.description or name}.")
        return None

    def start_blocker(self, service: Service) -> str | None:
        for dep in service.requires:
            if self.state.services[dep].state != "active":
                return f"dependency {dep}.service is not running"
        for condition in service.conditions:
            if isinstance(condition, NoFile) and self.path(condition.absent) in self.state.files:
                return condition.message
            if (
                isinstance(condition, FreeSpace)
                and self.free(self.mount_of(condition.free)) < condition.at_least
            ):
                return condition.message
            if isinstance(condition, FileLacks):
                entry = self.state.files.get(condition.file)
                if entry is not None and condition.lacks in entry.content:
                    return condition.message
        return None

    def log(self, name: str, line: str) -> None:
        self.state.services[name].journal.append(f"{self.state.clock} {self.state.hostname} {line}")


__all__ = [
    "FileEntry",
    "FileLacks",
    "FreeSpace",
    "Machine",
    "Mount",
    "NoFile",
    "Process",
    "Service",
    "TerminalState",
    "human",
    "parse_size",
]
