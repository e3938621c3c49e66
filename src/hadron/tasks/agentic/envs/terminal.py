"""Terminal troubleshooting (in the spirit of TerminalBench): one ``run_command`` tool over a simulated
host whose state persists across calls, and success checks on the host's final state."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from hadron.tasks.agentic.envs.base import Check, Environment, tool
from hadron.tasks.agentic.envs.machine import Machine, TerminalState, human
from hadron.tasks.agentic.envs.shell import Shell


class _Assertion(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServiceIs(_Assertion):
    service: str
    state: Literal["active", "inactive", "failed"] = "active"


class FileExists(_Assertion):
    file_exists: str


class FileAbsent(_Assertion):
    file_absent: str


class FileContains(_Assertion):
    file: str
    contains: str | None = None
    lacks: str | None = None


class DiskBelow(_Assertion):
    disk: str
    """A mount point."""
    below_pct: float


class ProcessGone(_Assertion):
    process_absent: str
    """A command substring; no running process may match it."""


class ProcessRunning(_Assertion):
    process_running: str


TerminalAssertion = (
    ServiceIs | FileExists | FileAbsent | FileContains | DiskBelow | ProcessGone | ProcessRunning
)


class TerminalEnv(Environment):
    family: ClassVar[str] = "terminal"
    State: ClassVar[type[BaseModel]] = TerminalState
    Assertion: ClassVar[Any] = TerminalAssertion

    def __init__(self, state: BaseModel) -> None:
        assert isinstance(state, TerminalState)
        super().__init__(state)
        self.machine = Machine(state)
        self.shell = Shell(self.machine)

    @tool(
        "Run a shell command on the server as root and return what the terminal prints (stdout and "
        "stderr; a non-zero exit code is shown as [exit code N]). Non-interactive: no editors, no pagers.",
        {
            "type": "object",
            "properties": {
                "command": {
                    "type": "string",
                    "minLength": 1,
                    "description": "The command line, e.g. `df -h` or `systemctl status nginx`.",
                }
            },
            "required": ["command"],
            "additionalProperties": False,
        },
    )
    def run_command(self, command: str) -> str:
        return self.shell.run(command) or "(no output)"

    def check(self, assertion: Any) -> Check:
        machine = self.machine
        state = machine.state
        if isinstance(assertion, ServiceIs):
            service = state.services.get(assertion.service)
            actual = service.state if service else "missing"
            return Check(
                f"service {assertion.service} is {assertion.state}",
                actual == assertion.state,
                f"it is {actual}",
            )
        if isinstance(assertion, FileExists):
            return Check(f"{assertion.file_exists} exists", machine.exists(assertion.file_exists))
        if isinstance(assertion, FileAbsent):
            return Check(f"{assertion.file_absent} is gone", not machine.exists(assertion.file_absent))
        if isinstance(assertion, FileContains):
            entry = state.files.get(assertion.file)
            text = entry.content if entry else ""
            ok = (
                entry is not None
                and (assertion.contains is None or assertion.contains in text)
                and (assertion.lacks is None or assertion.lacks not in text)
            )
            wanted = " and ".join(
                part
                for part in (
                    f"contains {assertion.contains!r}" if assertion.contains is not None else "",
                    f"lacks {assertion.lacks!r}" if assertion.lacks is not None else "",
                )
                if part
            )
            return Check(f"{assertion.file} {wanted or 'exists'}", ok, "" if entry else "file missing")
        if isinstance(assertion, DiskBelow):
            mount = machine.mount_of(assertion.disk)
            pct = machine.used_pct(mount)
            return Check(
                f"disk {mount} below {assertion.below_pct:g}% used",
                pct < assertion.below_pct,
                f"{pct:.1f}% used ({human(machine.used(mount))})",
            )
        if isinstance(assertion, ProcessGone | ProcessRunning):
            name = (
                assertion.process_absent if isinstance(assertion, ProcessGone) else assertion.process_running
            )
            running = [p.pid for p in state.processes if name in p.command]
            if isinstance(assertion, ProcessGone):
                return Check(f"no process matches {name!r}", not running, f"running: {running}")
            return Check(f"a process matches {name!r}", bool(running))
        raise TypeError(f"not a terminal assertion: {assertion!r}")

    def snapshot(self) -> dict[str, Any]:
        """Services, processes and disk use: what the checks look at (file contents would bloat rows)."""
        state = self.machine.state
        return {
            "services": {name: s.state for name, s in state.services.items()},
            "processes": [p.command for p in state.processes],
            "disks": {mount: round(self.machine.used_pct(mount), 1) for mount in state.mounts},
            "files": sorted(state.files),
        }


__all__ = ["TerminalAssertion", "TerminalEnv"]
