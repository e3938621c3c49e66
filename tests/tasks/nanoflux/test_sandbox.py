"""The judge's Python sandbox: each attack is stopped and reported; a correct computation returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from hadron.tasks.nanoflux.sandbox import SandboxLimits, run_python

LIMITS = SandboxLimits(cpu_seconds=1, wall_seconds=20, memory_mb=256, max_output_bytes=4_000)


async def test_a_correct_computation_returns_its_value_and_output() -> None:
    result = await run_python("from fractions import Fraction\nprint('half:', Fraction(1, 2))\n"
                              "sum(range(101)) * 2", LIMITS)
    assert result.ok, result.error
    assert result.stdout == "half: 1/2\n"
    assert result.value == "10100"
    assert result.summary() == "half: 1/2\nvalue: 10100"


async def test_a_file_inside_the_temp_dir_may_be_written_and_read() -> None:
    result = await run_python("open('notes.txt', 'w').write('ok')\nopen('notes.txt').read()", LIMITS)
    assert (result.error_kind, result.value) == (None, "'ok'")


async def test_an_infinite_loop_hits_the_cpu_limit() -> None:
    result = await run_python("while True:\n    pass", LIMITS)
    assert result.error_kind == "cpu_limit"
    assert result.seconds < LIMITS.wall_seconds


async def test_a_sleeping_loop_hits_the_wall_clock_limit() -> None:
    result = await run_python("import time\nwhile True:\n    time.sleep(1)",
                              SandboxLimits(wall_seconds=1.0))
    assert result.error_kind == "timeout"
    assert result.seconds < 5


async def test_a_memory_bomb_is_stopped() -> None:
    result = await run_python("blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))",
                              LIMITS)
    assert result.error_kind == "memory"


async def test_a_fork_bomb_is_refused() -> None:
    result = await run_python("import os\nwhile True:\n    os.fork()", LIMITS)
    assert result.error_kind == "forbidden"
    assert result.refused == ["os.fork"]


@pytest.mark.parametrize("code", [
    "import subprocess\nsubprocess.run(['true'])",
    "import os\nos.system('true')",
    "import os\nos.execv('/bin/true', ['true'])",
    "import multiprocessing\nmultiprocessing.Process(target=print).start()",
    "import ctypes",
])
async def test_other_ways_to_start_a_process_are_refused(code: str) -> None:
    result = await run_python(code, LIMITS)
    assert result.error_kind == "forbidden", result


async def test_a_socket_is_refused() -> None:
    result = await run_python("import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 9))", LIMITS)
    assert result.error_kind == "forbidden"
    assert result.refused == ["socket.__new__"]


async def test_a_refused_socket_is_reported_even_when_the_code_catches_it() -> None:
    code = ("import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
            "except Exception:\n    pass\n'carried on'")
    result = await run_python(code, LIMITS)
    assert result.error_kind == "forbidden"
    assert result.value == "'carried on'"
    assert result.refused


async def test_a_write_outside_the_temp_dir_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    result = await run_python(f"open({str(target)!r}, 'w').write('x')", LIMITS)
    assert result.error_kind == "forbidden"
    assert not target.exists()


@pytest.mark.parametrize("code", [
    "open('/etc/passwd').read()",
    "import os\nos.listdir('/')",
    "import os\nos.symlink('/etc/passwd', 'link')\nopen('link').read()",
    "import os\nopen('a', 'w').close()\nos.rename('a', '/tmp/hadron-sandbox-moved')",
    "import os\nfd = os.open(os.path.dirname(os.__file__), os.O_RDONLY)\n"
    "os.open('x', os.O_WRONLY | os.O_CREAT, dir_fd=fd)",
])
async def test_reads_and_moves_outside_the_sandbox_are_refused(code: str) -> None:
    result = await run_python(code, LIMITS)
    assert result.error_kind == "forbidden", result
    assert not Path("/tmp/hadron-sandbox-moved").exists()


async def test_output_is_capped() -> None:
    result = await run_python("while True:\n    print('x' * 1000)", LIMITS)
    assert result.error_kind == "output_limit"
    assert result.truncated and len(result.stdout) <= LIMITS.max_output_bytes


async def test_a_big_file_hits_the_file_size_limit() -> None:
    result = await run_python("open('big', 'wb').write(b'x' * (20 * 1024 * 1024))",
                              SandboxLimits(file_size_mb=1))
    assert result.error_kind == "file_size"


async def test_errors_are_reported_with_their_line() -> None:
    result = await run_python("x = 1\ny = x / 0", LIMITS)
    assert result.error_kind == "exception"
    assert result.error == "ZeroDivisionError: division by zero (line 2)"
    syntax = await run_python("def (", LIMITS)
    assert syntax.error_kind == "syntax"


async def test_the_child_sees_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    result = await run_python("import os\nsorted(os.environ)", LIMITS)
    assert result.value == "['LANG', 'LC_ALL']"


async def test_a_flood_on_stderr_does_not_block_the_child() -> None:
    code = "import sys\nfor _ in range(2000):\n    sys.stderr.write('e' * 1000)\n'done'"
    result = await run_python(code, LIMITS)
    assert (result.error_kind, result.value) == (None, "'done'")
