"""The shell's system commands: disks (df, du), processes (ps, top, kill, pkill), services (systemctl,
service, journalctl) and host facts (whoami, hostname, uptime, free, date). Output follows the real
tools' layout closely enough that an agent trained on it reads real terminals the same way."""

from __future__ import annotations

from collections.abc import Callable

from hadron.tasks.agentic.envs.machine import Machine, Process, human
from hadron.tasks.agentic.envs.shell_args import split_options

Result = tuple[str, int]
MEMORY_TOTAL = 8 * 1024**3
SIGNALS = {
    "9": "KILL",
    "15": "TERM",
    "KILL": "KILL",
    "TERM": "TERM",
    "SIGKILL": "KILL",
    "SIGTERM": "TERM",
    "HUP": "HUP",
    "1": "HUP",
    "SIGHUP": "HUP",
}


class SystemCommands:
    machine: Machine

    def system_commands(self) -> dict[str, Callable[[list[str], str | None], Result]]:
        return {
            "df": self.df,
            "du": self.du,
            "ps": self.ps,
            "top": self.top,
            "kill": self.kill,
            "pkill": self.pkill,
            "killall": self.pkill,
            "systemctl": self.systemctl,
            "service": self.service,
            "journalctl": self.journalctl,
            "whoami": self.whoami,
            "hostname": self.hostname,
            "uptime": self.uptime,
            "free": self.free,
            "date": self.date,
        }

    # -- disks -------------------------------------------------------------------------------------------

    def df(self, args: list[str], stdin: str | None) -> Result:
        flags, _, operands = split_options(args)
        size = human if "h" in flags else (lambda n: str(n // 1024))
        mounts = sorted(
            {self.machine.mount_of(self.machine.path(o)) for o in operands}
            if operands
            else self.machine.state.mounts
        )
        header = (
            f"{'Filesystem':<12}{'Size' if 'h' in flags else '1K-blocks':>10}{'Used':>10}{'Avail':>10}"
            f"{'Use%':>6} Mounted on\n"
        )
        rows = []
        for mount in mounts:
            info = self.machine.state.mounts[mount]
            used = self.machine.used(mount)
            pct = min(100, -(-100 * used // info.size))
            rows.append(
                f"{info.device:<12}{size(info.size):>10}{size(used):>10}"
                f"{size(self.machine.free(mount)):>10}{pct:>5}% {mount}\n"
            )
        return header + "".join(rows), 0

    def du(self, args: list[str], stdin: str | None) -> Result:
        flags, values, operands = split_options(args, valued="d")
        depth_text = values.get("d") or values.get("max-depth")
        depth = int(depth_text) if depth_text and depth_text.isdigit() else None
        size = human if "h" in flags else (lambda n: str(-(-n // 1024)))
        rows, errors = [], ""
        total = 0
        for operand in operands or ["."]:
            path = self.machine.path(operand)
            if not self.machine.exists(path):
                errors += f"du: cannot access '{operand}': No such file or directory\n"
                continue
            total += self.machine.size_of(path)
            if "s" in flags or path in self.machine.state.files:
                rows.append(f"{size(self.machine.size_of(path))}\t{operand}\n")
                continue
            for sub, level in self._dirs_below(path, depth):
                label = operand + sub[len(path) :] if sub != path else operand
                rows.append(f"{size(self.machine.size_of(sub))}\t{label}\n")
                del level
        if "c" in flags:
            rows.append(f"{size(total)}\ttotal\n")
        return "".join(rows) + errors, 1 if errors else 0

    def _dirs_below(self, path: str, depth: int | None, level: int = 0) -> list[tuple[str, int]]:
        """Directories under ``path``, children before parents (du's order)."""
        found: list[tuple[str, int]] = []
        if depth is None or level < depth:
            for child in self.machine.children(path):
                full = f"{path.rstrip('/')}/{child}"
                if self.machine.is_dir(full):
                    found.extend(self._dirs_below(full, depth, level + 1))
        return [*found, (path, level)]

    # -- processes -----------------------------------------------------------------------------------

    def ps(self, args: list[str], stdin: str | None) -> Result:
        _, values, _ = split_options(args)
        processes = list(self.machine.state.processes)
        order = values.get("sort", "")
        if order:
            key = "cpu" if "cpu" in order else "mem" if "mem" in order else "pid"
            processes.sort(key=lambda p: getattr(p, key), reverse=order.startswith("-"))
        else:
            processes.sort(key=lambda p: p.pid)
        return _process_table(processes), 0

    def top(self, args: list[str], stdin: str | None) -> Result:
        processes = sorted(self.machine.state.processes, key=lambda p: (-p.cpu, p.pid))
        load = sum(p.cpu for p in processes) / 100
        head = (
            f"top - 10:00:00 up 12 days,  3:12,  1 user,  load average: {load:.2f}, {load:.2f}, "
            f"{load:.2f}\nTasks: {len(processes)} total\n\n"
        )
        return head + _process_table(processes), 0

    def kill(self, args: list[str], stdin: str | None) -> Result:
        _, values, operands = split_options([a for a in args if not _is_signal(a)], valued="s")
        signal = next(
            (SIGNALS[a.lstrip("-").upper()] for a in args if _is_signal(a)),
            SIGNALS.get(values.get("s", "TERM").upper(), "TERM"),
        )
        if not operands:
            return "kill: usage: kill [-s sigspec | -signum] pid\n", 2
        errors = ""
        for operand in operands:
            if not operand.isdigit():
                errors += f"bash: kill: {operand}: arguments must be process or job IDs\n"
            elif int(operand) == 1:
                errors += "bash: kill: (1) - Operation not permitted\n"
            elif self.machine.process(int(operand)) is None:
                errors += f"bash: kill: ({operand}) - No such process\n"
            elif signal != "HUP":
                self.machine.kill(int(operand))
        return errors, 1 if errors else 0

    def pkill(self, args: list[str], stdin: str | None) -> Result:
        names = [a for a in args if not a.startswith("-")]
        if not names:
            return "pkill: no matching criteria specified\n", 2
        victims = [
            p.pid
            for p in self.machine.state.processes
            if any(name in p.command.split()[0] for name in names) and p.pid != 1
        ]
        for pid in victims:
            self.machine.kill(pid)
        return "", 0 if victims else 1

    # -- services --------------------------------------------------------------------------------------

    def service(self, args: list[str], stdin: str | None) -> Result:
        if len(args) < 2:
            return (
                "Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]\n",
                1,
            )
        return self.systemctl([args[1], args[0]], stdin)

    def systemctl(self, args: list[str], stdin: str | None) -> Result:
        _, values, operands = split_options(args)
        if not operands or operands[0] == "list-units" or "failed" in values:
            return self._list_units(failed="failed" in values or "failed" in operands)
        verb, units = operands[0], [u.removesuffix(".service") for u in operands[1:]]
        if verb not in (
            "status",
            "start",
            "stop",
            "restart",
            "reload",
            "is-active",
            "is-failed",
            "enable",
            "disable",
        ):
            return f"Unknown command verb {verb}.\n", 1
        if not units:
            return "Too few arguments.\n", 1
        out, code = "", 0
        for name in units:
            if name not in self.machine.state.services:
                out += (
                    f"Unit {name}.service could not be found.\n"
                    if verb == "status"
                    else f"Failed to {verb} {name}.service: Unit {name}.service not found.\n"
                )
                code = 4 if verb == "status" else 5
                continue
            text, result = self._unit(verb, name)
            out, code = out + text, result or code
        return out, code

    def _unit(self, verb: str, name: str) -> Result:
        service = self.machine.state.services[name]
        if verb == "status":
            return self._status(name), 0 if service.state == "active" else 3
        if verb in ("is-active", "is-failed"):
            wanted = "active" if verb == "is-active" else "failed"
            return f"{service.state}\n", 0 if service.state == wanted else (3 if verb == "is-active" else 1)
        if verb in ("enable", "disable"):
            return "", 0
        if verb == "stop":
            self.machine.stop(name)
            return "", 0
        if verb in ("restart", "reload") or service.state != "active":
            self.machine.stop(name)
            if self.machine.start(name) is not None:
                return (
                    f"Job for {name}.service failed because the control process exited with error code.\n"
                    f'See "systemctl status {name}.service" and "journalctl -xeu {name}.service" '
                    "for details.\n"
                ), 1
        return "", 0

    def _status(self, name: str) -> str:
        service = self.machine.state.services[name]
        active = {
            "active": "active (running)",
            "inactive": "inactive (dead)",
            "failed": "failed (Result: exit-code)",
        }[service.state]
        lines = [
            f"{'●' if service.state != 'inactive' else '○'} {name}.service - {service.description or name}",
            f"     Loaded: loaded (/lib/systemd/system/{name}.service; enabled; preset: enabled)",
            f"     Active: {active} since Wed 2024-05-01 09:00:00 UTC",
        ]
        if service.pid is not None:
            lines.append(f"   Main PID: {service.pid} ({service.command.split()[0].rsplit('/', 1)[-1]})")
        lines.append("")
        lines.extend(service.journal[-5:])
        return "\n".join(lines) + "\n"

    def _list_units(self, *, failed: bool) -> Result:
        rows = [f"{'UNIT':<24}{'LOAD':<8}{'ACTIVE':<10}{'SUB':<9}DESCRIPTION"]
        for name, service in sorted(self.machine.state.services.items()):
            if failed and service.state != "failed":
                continue
            sub = {"active": "running", "inactive": "dead", "failed": "failed"}[service.state]
            rows.append(
                f"{name + '.service':<24}{'loaded':<8}{service.state:<10}{sub:<9}"
                f"{service.description or name}"
            )
        rows.append(f"\n{len(rows) - 1} loaded units listed.")
        return "\n".join(rows) + "\n", 0

    def journalctl(self, args: list[str], stdin: str | None) -> Result:
        _, values, _ = split_options(args, valued="un")
        unit = values.get("u") or values.get("unit")
        if unit is not None:
            unit = unit.removesuffix(".service")
            if unit not in self.machine.state.services:
                return "-- No entries --\n", 0
            lines = list(self.machine.state.services[unit].journal)
        else:
            lines = [line for s in self.machine.state.services.values() for line in s.journal]
        count = values.get("n") or values.get("lines") or "20"
        lines = lines[-int(count) :] if count.isdigit() else lines
        return "".join(f"{line}\n" for line in lines) or "-- No entries --\n", 0

    # -- host ----------------------------------------------------------------------------------------

    def whoami(self, args: list[str], stdin: str | None) -> Result:
        return self.machine.state.user + "\n", 0

    def hostname(self, args: list[str], stdin: str | None) -> Result:
        return self.machine.state.hostname + "\n", 0

    def date(self, args: list[str], stdin: str | None) -> Result:
        return f"Wed {self.machine.state.clock} UTC 2024\n", 0

    def uptime(self, args: list[str], stdin: str | None) -> Result:
        load = sum(p.cpu for p in self.machine.state.processes) / 100
        return f" 10:00:00 up 12 days,  3:12,  1 user,  load average: {load:.2f}, {load:.2f}, {load:.2f}\n", 0

    def free(self, args: list[str], stdin: str | None) -> Result:
        flags, _, _ = split_options(args)
        used = int(MEMORY_TOTAL * min(100.0, sum(p.mem for p in self.machine.state.processes)) / 100)
        show = human if "h" in flags else (lambda n: str(n // 1024**2) if "m" in flags else str(n // 1024))
        return (
            f"{'':<8}{'total':>10}{'used':>10}{'free':>10}\n"
            f"{'Mem:':<8}{show(MEMORY_TOTAL):>10}{show(used):>10}{show(MEMORY_TOTAL - used):>10}\n"
        ), 0


def _is_signal(arg: str) -> bool:
    return arg.startswith("-") and arg.lstrip("-").upper() in SIGNALS


def _process_table(processes: list[Process]) -> str:
    rows = [f"{'USER':<10}{'PID':>7}{'%CPU':>6}{'%MEM':>6} COMMAND"]
    rows.extend(f"{p.user:<10}{p.pid:>7}{p.cpu:>6.1f}{p.mem:>6.1f} {p.command}" for p in processes)
    return "\n".join(rows) + "\n"


__all__ = ["SystemCommands"]
