"""run_python's statuses on ordinary code, and the refusal where no boundary can be had."""

from __future__ import annotations

import pytest

from hadron.sandbox import SandboxLimits, SandboxUnavailable, check, run_python

LIMITS = SandboxLimits(cpu_seconds=1, wall_seconds=5.0, memory_mb=256, max_output_bytes=4_000)


def test_a_computation_returns_its_output_and_value() -> None:
    result = run_python("from fractions import Fraction\nprint('half:', Fraction(1, 2))\nsum(range(101)) * 2",
                        LIMITS)
    assert (result.status, result.stdout, result.value) == ("ok", "half: 1/2\n", "10100")
    assert result.summary() == "half: 1/2\nvalue: 10100"


def test_its_own_temp_dir_is_writable() -> None:
    result = run_python("open('notes.txt', 'w').write('ok')\nopen('notes.txt').read()", LIMITS)
    assert (result.status, result.value) == ("ok", "'ok'")


@pytest.mark.parametrize(("code", "status"), [
    ("1/0", "error"), ("def f(:", "error"), ("raise SystemExit(3)", "error"), ("raise SystemExit", "ok"),
])
def test_errors_of_the_code_are_errors(code: str, status: str) -> None:
    assert run_python(code, LIMITS).status == status


def test_each_run_starts_fresh() -> None:
    run_python("open('left-behind', 'w').write('x')", LIMITS)
    result = run_python("import os\nos.listdir('.')", LIMITS)
    assert result.value == "[]"


def test_without_a_boundary_code_is_refused_not_run(no_boundary: None) -> None:
    assert not check().available
    with pytest.raises(SandboxUnavailable, match="no OS sandbox"):
        run_python("print('ran')", LIMITS)


def test_unsafe_runs_say_so(no_boundary: None, caplog: pytest.LogCaptureFixture,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_OPENAI_API_KEY", "sk-fake")
    result = run_python("import os\nprint('ran')\nsorted(os.environ)", LIMITS, unsafe=True)
    assert (result.status, result.stdout, result.unsafe) == ("ok", "ran\n", True)
    assert "UNSAFE" in caplog.text
    assert "FAKE_OPENAI_API_KEY" not in (result.value or "")


def test_libraries_that_live_under_tmp_stay_importable(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A venv in a checkout under /tmp (as a CI clone may be) used to vanish under the sandbox's own
    tmpfs: sympy then failed to import in there. Its binds now go on top of that tmpfs, read-only."""
    import hadron.sandbox.runner as runner

    libs = tmp_path / "site-packages"
    libs.mkdir()
    (libs / "probe_lib.py").write_text("ANSWER = 42\n")
    assert str(libs).startswith("/tmp/")
    python, real = runner.python_paths()
    monkeypatch.setattr(runner, "python_paths", lambda: (python, [*real, str(libs)]))
    result = run_python("import probe_lib, os\nprobe_lib.ANSWER, os.listdir('.')", LIMITS)
    assert (result.status, result.value) == ("ok", "(42, [])")
    written = run_python(f"open({str(libs / 'probe_lib.py')!r}, 'a').write('x')", LIMITS)
    assert written.status == "refused" and "Read-only file system" in (written.error or "")
