"""Single-shot throughput: hadron vs the latency bound, a bare aiohttp loop, distilabel and curator.

One fault-free loopback server (``python -m hadron.testing --latency 0.2``) runs in its own process
for the whole benchmark. Every client then sends the same prompts (default 10,000) to it with the same
number in flight (256), one client at a time, each in its own process: the bare loop and hadron in
this venv, distilabel 1.5.3 and bespokelabs-curator each in a venv this script creates under a temp
dir (``python -m venv`` + pip from PyPI; ``--venvs DIR`` keeps and reuses them).

The bound is in_flight / latency requests per second (1,280 req/s). Reported per client: req/s,
fraction of the bound, ratio to the bare loop and to hadron, CPU ms per request (the client's own
process and children, timed window only), the server's CPU per request, and how busy the machine was
with other work meanwhile (2 shared cores: anything else running slows every client).

    python benchmarks/single_shot_throughput.py                       # 10,000 prompts, peers included
    python benchmarks/single_shot_throughput.py --requests 1000 --no-peers
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
PEERS = HERE / "peers"
RESULTS = HERE / "results" / "single_shot_throughput.json"

PEER_PACKAGES: dict[str, list[str]] = {
    "distilabel": ["distilabel==1.5.3", "openai", "requests"],
    "distilabel_openai1": ["distilabel==1.5.3", "openai<1.60", "requests"],
    "curator": ["bespokelabs-curator"],
}
"""What each peer venv gets from PyPI. distilabel imports requests without depending on it; its second
venv pins the openai SDK of its own release (January 2025), lighter per request than today's."""


@dataclass(frozen=True)
class ClientRun:
    name: str
    script: str
    variant: str = "default"
    venv: str | None = None
    """A peer venv name from PEER_PACKAGES; None runs with this interpreter."""
    env: tuple[tuple[str, str], ...] = ()


HADRON_CLIENTS = [
    ClientRun("bare_aiohttp", "bare_aiohttp.py"),
    ClientRun("hadron", "hadron_client.py", "run"),
    ClientRun("hadron_nocache", "hadron_client.py", "run_nocache"),
    ClientRun("hadron_model_layer", "hadron_client.py", "client"),
]
PEER_CLIENTS = [
    ClientRun(
        "distilabel_batch",
        "distilabel_client.py",
        "batch",
        "distilabel",
        (("DISTILABEL_LOG_LEVEL", "WARNING"),),
    ),
    ClientRun(
        "distilabel_replicas",
        "distilabel_client.py",
        "replicas",
        "distilabel",
        (("DISTILABEL_LOG_LEVEL", "WARNING"),),
    ),
    ClientRun(
        "distilabel_openai1",
        "distilabel_client.py",
        "batch",
        "distilabel_openai1",
        (("DISTILABEL_LOG_LEVEL", "WARNING"),),
    ),
    ClientRun("curator", "curator_client.py", "default", "curator"),
]


# -- the machine -------------------------------------------------------------------------------------


def cpu_times(pid: int | None = None) -> float:
    """CPU seconds used so far by ``pid`` (utime + stime), or by the whole machine when None."""
    ticks = os.sysconf("SC_CLK_TCK")
    if pid is None:
        with open("/proc/stat") as handle:
            fields = handle.readline().split()[1:]
        idle = int(fields[3]) + int(fields[4])
        return (sum(int(f) for f in fields[:8]) - idle) / ticks
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "hadron": version("hadron-distill"),
        "aiohttp": version("aiohttp"),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# -- the server and the venvs ------------------------------------------------------------------------


def pinned(cpus: str | None, command: list[str]) -> list[str]:
    """``command`` run on the cores ``cpus`` (``taskset`` syntax), or anywhere when None."""
    return ["taskset", "-c", cpus, *command] if cpus else command


def start_server(latency: float, cpus: str | None = None) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "hadron.testing", "--latency", str(latency), "--no-record"]
    process = subprocess.Popen(pinned(cpus, command), stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http"):
        process.kill()
        raise SystemExit("the loopback server did not start")
    return process, url


def venv_python(root: Path, name: str) -> Path:
    """The python of peer venv ``name`` under ``root``, created and filled from PyPI if missing."""
    python = root / name / "bin" / "python"
    marker = root / name / ".hadron-bench-ready"
    if not marker.exists():
        print(f"creating venv {root / name} and installing {' '.join(PEER_PACKAGES[name])} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(root / name)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PEER_PACKAGES[name]],
            check=True,
        )
        marker.write_text("ok\n")
    return python


def installed_versions(python: Path, packages: list[str]) -> dict[str, str]:
    code = (
        "import json, sys\nfrom importlib.metadata import version\n"
        "print(json.dumps({p: version(p) for p in sys.argv[1:]}))"
    )
    out = subprocess.run([str(python), "-c", code, *packages], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


def write_prompts(path: Path, count: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(
                json.dumps({"id": f"p{i}", "prompt": f"Question {i}: say one thing about {i}."}) + "\n"
            )
    return path


# -- one client --------------------------------------------------------------------------------------


def run_client(
    client: ClientRun, python: Path, url: str, prompts: Path, args: argparse.Namespace, server_pid: int
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"hadron-bench-{client.name}-") as tmp:
        command = [
            str(python),
            str(PEERS / client.script),
            "--url",
            url,
            "--prompts",
            str(prompts),
            "--in-flight",
            str(args.in_flight),
            "--workdir",
            tmp,
            "--variant",
            client.variant,
        ]
        env = {**os.environ, **dict(client.env)}
        load_before = os.getloadavg()[0]
        out_path, err_path = Path(tmp) / "stdout.txt", Path(tmp) / "stderr.txt"
        machine_cpu, server_cpu, wall = cpu_times(), cpu_times(server_pid), time.monotonic()
        with open(out_path, "w") as out_file, open(err_path, "w") as err_file:  # files: pipes could fill
            process = subprocess.Popen(command, stdout=out_file, stderr=err_file, env=env)
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - wall
        machine_cpu, server_cpu = cpu_times() - machine_cpu, cpu_times(server_pid) - server_cpu
        out, err = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0 or not out.strip():
        return {"client": client.name, "failed": True, "error": err.strip().splitlines()[-5:]}
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    process_cpu = usage.ru_utime + usage.ru_stime
    answered = max(int(result["answered"]), 1)
    result.update(
        {
            "client": client.name,
            "variant": client.variant,
            "process_wall_s": round(wall, 2),
            "process_cpu_s": round(process_cpu, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "server_cpu_ms_per_request": round(1000 * server_cpu / answered, 3),
            "other_cpu_s": round(max(0.0, machine_cpu - process_cpu - server_cpu), 2),
            "loadavg_1m_before": round(load_before, 2),
            "fraction_of_bound": round(result["req_per_s"] / (args.in_flight / args.latency), 3),
        }
    )
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--in-flight", type=int, default=256)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument(
        "--peers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run distilabel and curator (creates their venvs)",
    )
    parser.add_argument("--venvs", type=Path, default=None, help="keep peer venvs here (default: a temp dir)")
    parser.add_argument("--rounds", type=int, default=2, help="run every client this many times, interleaved")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    clients = HADRON_CLIENTS + (PEER_CLIENTS if args.peers else [])
    with tempfile.TemporaryDirectory(prefix="hadron-bench-") as tmp:
        venv_root = args.venvs or Path(tmp) / "venvs"
        pythons = {
            c.name: venv_python(venv_root, c.venv) if c.venv else Path(sys.executable) for c in clients
        }
        versions = {
            name: installed_versions(venv_python(venv_root, name), [re.split(r"[<>=!~]", p)[0] for p in pkgs])
            for name, pkgs in PEER_PACKAGES.items()
            if args.peers
        }
        prompts = write_prompts(Path(tmp) / "prompts.jsonl", args.requests)
        info = machine()
        server, url = start_server(args.latency)
        runs: list[dict[str, Any]] = []
        try:
            for round_ in range(args.rounds):
                for client in clients:
                    result = run_client(client, pythons[client.name], url, prompts, args, server.pid)
                    result["round"] = round_
                    print(json.dumps(result), flush=True)
                    runs.append(result)
        finally:
            server.terminate()
            server.wait()
    report = summarize(runs, args, info, versions)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return report


def summarize(
    runs: list[dict[str, Any]],
    args: argparse.Namespace,
    info: dict[str, Any],
    versions: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """Best round per client (the least disturbed by other work), and ratios to hadron and the bare loop."""
    best: dict[str, dict[str, Any]] = {}
    for run in runs:
        if run.get("failed"):
            best.setdefault(run["client"], run)
        elif best.get(run["client"], {}).get("req_per_s", -1) < run["req_per_s"]:
            best[run["client"]] = run
    hadron = best.get("hadron", {}).get("req_per_s") or 0.0
    bare = best.get("bare_aiohttp", {}).get("req_per_s") or 0.0
    for result in best.values():
        if not result.get("failed"):
            result["ratio_to_hadron"] = round(result["req_per_s"] / hadron, 3) if hadron else None
            result["ratio_to_bare_loop"] = round(result["req_per_s"] / bare, 3) if bare else None
    info["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return {
        "benchmark": "single_shot_throughput",
        "command": "python benchmarks/single_shot_throughput.py " + " ".join(sys.argv[1:]),
        "settings": {
            "requests": args.requests,
            "in_flight": args.in_flight,
            "latency_s": args.latency,
            "latency_bound_req_per_s": args.in_flight / args.latency,
            "rounds": args.rounds,
        },
        "machine": info,
        "peer_versions": versions,
        "results": best,
        "all_runs": runs,
        "target": "hadron >= 0.9x the bare aiohttp loop",
    }


if __name__ == "__main__":
    main()
