"""The emulated shell against the real GNU tools: each command line runs in bash on a real folder and in
the emulator on the same files; what the terminal shows (stdout and stderr), the exit code and (for
commands that change files) the resulting tree must be the same."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from hadron.tasks.agentic.envs.machine import Machine, TerminalState
from hadron.tasks.agentic.envs.shell import Shell
from hadron.tasks.agentic.envs.shell_ops import TAR_MAGIC

pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("bash", "awk", "sed", "tar", "diff", "xargs")),
    reason="needs the GNU tools",
)

FILES = {
    "access.log": (
        "10.0.0.1 GET /index.html 200 512\n"
        "10.0.0.2 GET /missing 404 0\n"
        "10.0.0.1 POST /api/login 500 128\n"
        "10.0.0.3 GET /index.html 200 512\n"
        "10.0.0.1 GET /index.html 200 2048\n"
    ),
    "nums.txt": "10\n9\n100\n2\n9\n",
    "conf/app.conf": "# app\nport = 8080\nworkers = 4\ndebug = true\n# end\n",
    "conf/app.conf.bak": "# app\nport = 80\nworkers = 4\n# end\n",
    "users.csv": "id:name:shell\n1:root:/bin/bash\n2:daemon:/usr/sbin/nologin\n3:alice:/bin/bash\n",
    "tmp/a.tmp": "x\n",
    "tmp/b.tmp": "yy\n",
    "tmp/keep.txt": "keep\n",
    "long.txt": "a" * 31 + "\n",
}
BASE = "/srv/work"


def _real(tmp_path: Path, line: str) -> tuple[str, int]:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o644)
    for folder in (tmp_path / "conf", tmp_path / "tmp"):
        folder.chmod(0o755)
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
    done = subprocess.run(
        ["bash", "-c", line],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        timeout=20,
    )
    return done.stdout, done.returncode


def _emulated(line: str) -> tuple[Shell, str, int]:
    state = TerminalState(cwd=BASE, files={f"{BASE}/{name}": text for name, text in FILES.items()})
    shell = Shell(Machine(state))
    output, code = shell.execute(line)
    return shell, output, code


def _real_tree(root: Path) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        mode = f"{path.stat().st_mode & 0o7777:03o}"
        if path.is_dir():
            tree[rel + "/"] = mode
        elif path.suffix in (".tgz", ".tar"):
            tree[rel] = ("archive", mode)
        else:
            tree[rel] = (path.read_text(), mode)
    return tree


def _emulated_tree(shell: Shell) -> dict[str, Any]:
    state = shell.machine.state
    prefix = BASE + "/"
    tree: dict[str, Any] = {}
    for directory in state.dirs:
        if directory.startswith(prefix):
            tree[directory[len(prefix) :] + "/"] = state.dir_modes.get(directory, "755")
    for path, entry in state.files.items():
        if path.startswith(prefix):
            content = "archive" if entry.content.startswith(TAR_MAGIC) else entry.content
            tree[path[len(prefix) :]] = (content, entry.mode)
    return dict(sorted(tree.items()))


READING = [
    "cat access.log | wc -l",
    "wc access.log nums.txt",
    "wc -l access.log",
    "wc -w < access.log",
    "cat nums.txt | wc",
    "head -n 2 access.log",
    "head -n -3 access.log",
    "head -c 12 nums.txt",
    "tail -n 2 access.log",
    "tail -n +4 access.log",
    "tail -n 1 nums.txt access.log",
    "sort nums.txt",
    "sort -n nums.txt",
    "sort -rn nums.txt",
    "sort -u nums.txt",
    "sort -n -u nums.txt",
    "sort -k4,4n -k5,5nr access.log",
    "sort -t: -k3 users.csv",
    "sort nums.txt | uniq",
    "sort nums.txt | uniq -c",
    "sort nums.txt | uniq -d",
    "sort nums.txt | uniq -u",
    "awk '{print $1}' access.log | sort | uniq -c | sort -rn",
    "grep 404 access.log",
    "grep -c GET access.log",
    "grep -n 'index' access.log",
    "grep -v GET access.log",
    "grep -E '(404|500)' access.log",
    "grep 'port\\|workers' conf/app.conf",
    "grep -o '[0-9]\\{3\\}' nums.txt",
    "grep -ri debug conf",
    "grep -l port conf/app.conf conf/app.conf.bak users.csv",
    "grep -w 10 nums.txt",
    "grep -x 9 nums.txt",
    "grep -F '10.0.0.1 G' access.log",
    "grep nothing access.log",
    "grep -q 404 access.log && echo found",
    "awk '{print $1, $4}' access.log",
    "awk '$4 >= 500 {print $3}' access.log",
    "awk '{sum += $5} END {print sum}' access.log",
    "awk -F: 'NR > 1 && $3 ~ /bash/ {print $2}' users.csv",
    "awk '{c[$1]++} END {for (ip in c) print ip, c[ip]}' access.log | sort",
    "awk '{print NR \": \" $NF}' nums.txt",
    "awk 'BEGIN {FS=\":\"} {print NF}' users.csv",
    "awk '/POST/ {print toupper($2), length($3)}' access.log",
    "awk '{printf \"%-10s %5d\\n\", $1, $5}' access.log",
    "awk -v limit=5 '$1 > limit' nums.txt",
    "awk 'NR==2 || NR==3' nums.txt",
    "sed -n '2,3p' access.log",
    "sed '/^#/d' conf/app.conf",
    "sed -n '/port/,/debug/p' conf/app.conf",
    "sed 's/=/:/' conf/app.conf",
    "sed -E 's/([0-9]+)$/<\\1>/' nums.txt",
    "sed 's/\\(GET\\) \\(\\/[a-z]*\\)/\\2 \\1/' access.log",
    "sed '$d' nums.txt",
    "sed '2!d' nums.txt",
    "sed -n '$p' nums.txt",
    "sed '3q' access.log",
    "sed -e 's/a/A/g' -e 's/1/one/2' access.log",
    "sed '2i inserted' nums.txt",
    "sed '/9/a after nine' nums.txt",
    "sed 's/port/PORT/;s/debug/DEBUG/' conf/app.conf",
    "cut -d: -f2 users.csv",
    "cut -d' ' -f1,3 access.log",
    "cut -c1-4 access.log",
    "diff conf/app.conf conf/app.conf.bak",
    "diff nums.txt nums.txt",
    "diff -q conf/app.conf conf/app.conf.bak",
    "find . -name '*.tmp' | sort",
    "find conf -type f | sort",
    "find . -maxdepth 1 -type d | sort",
    "find tmp -name '*.tmp' -exec cat {} \\;",
    "find . -name '*.conf' -exec wc -l {} +",
    "find . -empty",
    "find tmp -size -2c | sort",
    "echo access.log nums.txt | xargs wc -l",
    "echo one two three | xargs -n 1 echo",
    "ls tmp | xargs -I{} echo file: {}",
    "cat missing.txt; echo done",
    "false || echo recovered",
    "true && echo ok",
    "cat nums.txt | sort -n | tail -n 1",
]

CHANGING = [
    "cp access.log copy.log",
    "cp -r conf conf2",
    "cp access.log nums.txt tmp",
    "mv nums.txt numbers.txt",
    "mv tmp/a.tmp conf/",
    "mv conf settings",
    "rm tmp/a.tmp",
    "rm -r tmp",
    "rm -rf conf tmp",
    "chmod 600 users.csv",
    "chmod +x nums.txt",
    "chmod u+x,g-r,o= access.log",
    "chmod -R go-rwx conf",
    "chmod 750 tmp",
    "sed -i 's/8080/9090/' conf/app.conf",
    "sed -i '/debug/d' conf/app.conf",
    "sed -i -e '1d' nums.txt users.csv",
    "find tmp -name '*.tmp' -delete",
    "find tmp -name '*.tmp' -exec rm {} \\;",
    "find . -name '*.tmp' | xargs rm",
    "sort -n nums.txt > sorted.txt",
    "grep GET access.log >> conf/app.conf",
    "awk '{print $2 > \"methods.txt\"}' access.log",
    "mkdir -p backup && cp conf/* backup/",
    "tar czf conf.tgz conf && rm -r conf && tar xzf conf.tgz",
    "mkdir out && tar cf all.tar --sort=name conf tmp && tar xf all.tar -C out",
]


@pytest.mark.parametrize("line", READING)
def test_output_matches_gnu(tmp_path: Path, line: str) -> None:
    expected, expected_code = _real(tmp_path, line)
    _, output, code = _emulated(line)
    assert (output, code) == (expected, expected_code)


@pytest.mark.parametrize("line", CHANGING)
def test_changes_match_gnu(tmp_path: Path, line: str) -> None:
    expected, expected_code = _real(tmp_path, line)
    shell, output, code = _emulated(line)
    assert (output, code) == (expected, expected_code)
    assert _emulated_tree(shell) == _real_tree(tmp_path)


def test_tar_lists_like_gnu(tmp_path: Path) -> None:
    line = "tar cvf t.tar --sort=name conf tmp && tar tf t.tar"
    expected, code = _real(tmp_path, line)
    assert _emulated(line)[1:] == (expected, code)


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_chown_like_gnu(tmp_path: Path) -> None:
    line = "chown -R nobody:nogroup conf && chown daemon users.csv"
    _real(tmp_path, line)
    shell, _, code = _emulated(line)
    assert code == 0
    real = {str(p.relative_to(tmp_path)): (p.owner(), p.group()) for p in tmp_path.rglob("*") if p.is_file()}
    state = shell.machine.state
    fake = {
        path[len(BASE) + 1 :]: (entry.owner, entry.group or entry.owner)
        for path, entry in state.files.items()
        if path.startswith(BASE)
    }
    assert fake == real
    assert state.dir_owners[f"{BASE}/conf"] == "nobody:nogroup"


def test_exit_codes_like_gnu(tmp_path: Path) -> None:
    for line in (
        "grep nothing access.log",
        "cat missing",
        "diff nums.txt access.log",
        "nosuchcommand",
        "mv missing x",
        "cp conf x",
        "sort -k x nums.txt",
        "false",
    ):
        assert _emulated(line)[2] == _real(tmp_path, line)[1], line


def test_a_catastrophic_pattern_does_not_stall_the_shell() -> None:
    started = time.monotonic()
    _, output, code = _emulated('grep -E "(a+)+b" long.txt')
    assert code == 1 and output == ""
    _, output, code = _emulated("grep -E '(a|aa|aaa|a*)*(b|c)$' long.txt")
    assert code in (1, 2)
    _, output, code = _emulated("sed -E 's/(a|a?)+b/x/' long.txt")
    assert time.monotonic() - started < 5
