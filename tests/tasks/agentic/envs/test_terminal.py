"""The simulated shell: commands read and change one persistent host state; checks read the final state."""

from __future__ import annotations

import json

import pytest

from hadron.tasks.agentic.envs.terminal import TerminalEnv
from hadron.tasks.agentic.scenario import load_scenarios

STATE = {
    "hostname": "web-01",
    "mounts": {"/": {"size": "20G", "used": "11G"}},
    "files": {
        "/var/log/app/debug.log": {"size": "8.8G", "content": "DEBUG a\nERROR boom\nDEBUG b\n"},
        "/srv/app/data/orders.db": {"size": "100M"},
        "/etc/app.conf": "mode = slow\nlevel = 3\n",
    },
    "processes": [
        {"pid": 1, "command": "/sbin/init"},
        {"pid": 4242, "command": "python3 /opt/export.py", "cpu": 97.0},
    ],
    "services": {
        "nginx": {
            "description": "web server",
            "command": "/usr/sbin/nginx",
            "state": "failed",
            "conditions": [{"free": "/", "at_least": "500M", "message": "No space left on device"}],
        },
        "api": {"command": "/srv/api/run", "requires": ["db"], "state": "inactive"},
        "db": {
            "command": "/usr/bin/postgres",
            "state": "failed",
            "conditions": [{"file": "/etc/app.conf", "lacks": "slow", "message": "bad mode"}],
        },
    },
}


def run(env: TerminalEnv, command: str) -> str:
    result = env.call("run_command", {"command": command})
    assert not result.is_error
    return "" if result.content == "(no output)" else result.content


@pytest.fixture
def env() -> TerminalEnv:
    made = TerminalEnv.from_state(json.loads(json.dumps(STATE)))
    assert isinstance(made, TerminalEnv)
    return made


def test_deleting_a_file_frees_space_and_lets_the_service_start(env: TerminalEnv) -> None:
    assert "100% /" in run(env, "df -h")
    assert "8.8G\t/var/log/app/debug.log" in run(env, "du -sh /var/log/app/*")
    failed = run(env, "systemctl restart nginx")
    assert "Job for nginx.service failed" in failed and failed.endswith("[exit code 1]")
    assert "No space left on device" in run(env, "journalctl -u nginx -n 5")
    assert run(env, "rm /var/log/app/debug.log") == ""
    assert run(env, "ls /var/log/app") == ""  # the folder stays
    assert run(env, "systemctl restart nginx && systemctl is-active nginx") == "active"
    checks = env.check_all(
        [{"service": "nginx"}, {"disk": "/", "below_pct": 90}, {"file_exists": "/srv/app/data/orders.db"}]
    )
    assert all(check.ok for check in checks), checks


def test_kill_changes_the_process_table(env: TerminalEnv) -> None:
    top = run(env, "ps aux --sort=-%cpu | head -n 2")
    assert "4242" in top and "export.py" in top
    assert run(env, "kill -9 4242") == ""
    assert "No such process" in run(env, "kill 4242")
    assert "export.py" not in run(env, "ps aux")
    assert env.check_all([{"process_absent": "export.py"}])[0].ok
    assert "Operation not permitted" in run(env, "kill 1")


def test_killing_a_service_process_fails_the_service(env: TerminalEnv) -> None:
    run(env, "rm -f /var/log/app/debug.log")
    run(env, "systemctl start nginx")
    pid = env.machine.state.services["nginx"].pid
    run(env, f"kill -9 {pid}")
    assert "failed" in run(env, "systemctl is-active nginx")
    assert not env.check_all([{"service": "nginx"}])[0].ok


def test_dependencies_and_start_conditions(env: TerminalEnv) -> None:
    assert "failed" in run(env, "systemctl start api")
    assert "dependency db.service is not running" in run(env, "systemctl status api")
    run(env, "sed -i 's/slow/fast/' /etc/app.conf")
    assert run(env, "grep mode /etc/app.conf") == "mode = fast"
    assert run(env, "systemctl start db; systemctl start api; systemctl is-active api") == "active"
    assert env.check_all([{"file": "/etc/app.conf", "contains": "fast", "lacks": "slow"}])[0].ok


def test_shell_syntax_pipes_redirects_and_globs(env: TerminalEnv) -> None:
    assert run(env, "cat /var/log/app/debug.log | grep -c DEBUG") == "2"
    assert run(env, "grep -n ERROR /var/log/app/debug.log") == "2:ERROR boom"
    assert run(env, "echo hello > /tmp/x; echo again >> /tmp/x; cat /tmp/x") == "hello\nagain"
    assert run(env, "ls /var/log/app/*.log") == "/var/log/app/debug.log"
    assert run(env, "false_cmd || echo fallback").endswith("fallback")
    assert run(env, "sudo whoami") == "root"
    assert run(env, "find / -name '*.conf'") == "/etc/app.conf"
    assert "No such file or directory" in run(env, "cat /nope")
    assert run(env, "nosuchtool -x") == "bash: nosuchtool: command not found\n[exit code 127]"
    assert "syntax error" in run(env, "echo 'unclosed")
    assert "Unit ghost.service could not be found." in run(env, "systemctl status ghost")
    assert "dangerous" in run(env, "rm -rf /")
    assert run(env, "truncate -s 0 /var/log/app/debug.log; du -s /var/log/app/debug.log").startswith("0\t")


def test_bad_arguments_and_unknown_tools_are_error_results(env: TerminalEnv) -> None:
    for name, arguments in (
        ("run_command", {}),
        ("run_command", {"command": 3}),
        ("run_command", {"command": "ls", "extra": 1}),
        ("rm_everything", {}),
    ):
        result = env.call(name, arguments)
        assert result.is_error
        assert json.loads(result.content)["error"]


def test_bad_initial_state_is_rejected() -> None:
    with pytest.raises(ValueError, match="requires unknown services"):
        TerminalEnv.validate_state({"services": {"a": {"command": "x", "requires": ["b"]}}})
    with pytest.raises(ValueError, match="not a size"):
        TerminalEnv.validate_state({"mounts": {"/": {"size": "lots"}}})


ORACLES = {
    "terminal-disk-full-nginx": ["df -h", "rm /var/log/app/debug.log", "systemctl restart nginx"],
    "terminal-runaway-process": ["ps aux --sort=-%cpu", "kill 4410"],
    "terminal-stale-pidfile": ["systemctl status worker", "rm /var/run/worker.pid", "systemctl start worker"],
    "terminal-upstream-down": [
        "sed -i 's/shared_buffers = 64GB/shared_buffers = 2GB/' /etc/postgresql/postgresql.conf",
        "systemctl start postgresql",
        "systemctl start api",
    ],
    "terminal-home-full-bilingual": ["du -sh /home/ci/.cache", "rm -rf /home/ci/.cache/pip"],
}


@pytest.mark.parametrize("scenario", load_scenarios("terminal"), ids=lambda s: s.id)
def test_every_shipped_scenario_is_solvable_and_starts_unsolved(scenario) -> None:  # type: ignore[no-untyped-def]
    variant, _ = scenario.variant(0)
    fresh = TerminalEnv.from_state(variant.initial_state)
    assert not all(check.ok for check in fresh.check_all(variant.success))
    env = TerminalEnv.from_state(variant.initial_state)
    for command in ORACLES[scenario.id]:
        env.call("run_command", {"command": command})
    checks = env.check_all(variant.success)
    assert all(check.ok for check in checks), checks
