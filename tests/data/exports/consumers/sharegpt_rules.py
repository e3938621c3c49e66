"""The rules LLaMA-Factory applies to a ShareGPT dataset, restated from its code and docs, so our files
can be checked without installing it (``llamafactory`` pulls a CUDA torch and pins ``datasets`` down,
which does not fit CI; see docs/formats.md).

Sources (hiyouga/LLaMA-Factory): data/README.md ("sharegpt" format; ``dataset_info.json`` with
``formatting``, ``ranking``, ``columns`` and ``tags``), src/llamafactory/data/converter.py
(``SharegptDatasetConverter``: an optional leading system turn is taken out; then turn ``i`` must be a
user/observation tag when ``i`` is even and an assistant/function tag when odd, else the example is
dropped as broken; a non-ranking example needs an even count, a ranking one an odd count and
``chosen``/``rejected`` turns with an assistant/function tag), src/llamafactory/data/formatter.py
(``FunctionFormatter``: a function_call value is JSON of ``{"name", "arguments"}`` or a list of them;
``ToolFormatter``: ``tools`` is a JSON string of function definitions).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFAULT_TAGS = {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                "observation_tag": "observation", "function_tag": "function_call", "system_tag": "system"}


def example_problems(example: dict[str, Any], info: dict[str, Any]) -> list[str]:
    """Why LLaMA-Factory's converter would drop ``example`` (or fail on it), per its dataset entry."""
    tags = {**DEFAULT_TAGS, **info.get("tags", {})}
    columns = info.get("columns", {})
    role, content = tags["role_tag"], tags["content_tag"]
    asks = (tags["user_tag"], tags["observation_tag"])
    answers = (tags["assistant_tag"], tags["function_tag"])
    messages = example.get(columns.get("messages", "conversations"))
    if not isinstance(messages, list):
        return ["no messages column"]
    problems = []
    if messages and messages[0].get(role) == tags["system_tag"]:
        messages = messages[1:]
    for index, turn in enumerate(messages):
        if turn.get(role) not in (asks, answers)[index % 2]:
            problems.append(f"turn {index}: tag {turn.get(role)!r} where {(asks, answers)[index % 2]} go")
        if not isinstance(turn.get(content), str):
            problems.append(f"turn {index}: {content} is not a string")
        if turn.get(role) == tags["function_tag"]:
            problems += _call_problems(turn.get(content), f"turn {index}")
    ranking = bool(info.get("ranking"))
    if len(messages) % 2 != (1 if ranking else 0):
        problems.append(f"invalid message count {len(messages)} (ranking={ranking})")
    if ranking:
        for key in ("chosen", "rejected"):
            turn = example.get(columns.get(key, key))
            if not isinstance(turn, dict) or turn.get(role) not in answers:
                problems.append(f"{key}: must be one turn tagged {answers}")
            elif turn.get(role) == tags["function_tag"]:
                problems += _call_problems(turn.get(content), key)
    tools = example.get(columns["tools"]) if "tools" in columns else None
    if tools is not None:
        try:
            parsed = json.loads(tools) if isinstance(tools, str) else None
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, list) or not all(isinstance(t, dict) and "name" in t for t in parsed):
            problems.append("tools: must be a JSON string of a list of function definitions")
    return problems


def _call_problems(value: Any, where: str) -> list[str]:
    try:
        calls = json.loads(value)
    except (TypeError, json.JSONDecodeError):
        return [f"{where}: function_call value is not JSON"]
    calls = calls if isinstance(calls, list) else [calls]
    if not all(isinstance(c, dict) and isinstance(c.get("name"), str) and "arguments" in c for c in calls):
        return [f"{where}: function_call value must be {{name, arguments}} or a list of them"]
    return []


def dataset_info_problems(folder: Path) -> list[str]:
    """Each entry of ``dataset_info.json`` names an existing file whose columns exist, in ShareGPT form."""
    info = json.loads((folder / "dataset_info.json").read_text(encoding="utf-8"))
    problems = []
    for name, entry in info.items():
        path = folder / entry.get("file_name", "")
        if entry.get("formatting") != "sharegpt" or not path.is_file():
            problems.append(f"{name}: needs formatting sharegpt and an existing file_name")
            continue
        columns = set().union(*(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()))
        for column in entry.get("columns", {}).values():
            if column not in columns:  # the converter reads example[column]: a KeyError
                problems.append(f"{name}: column {column!r} not in {path.name}")
    return problems
