from __future__ import annotations

import pytest

from hadron.llm import split_reasoning
from hadron.llm.reasoning import join_reasoning


@pytest.mark.parametrize(("text", "answer", "reasoning"), [
    ("plain answer", "plain answer", None),
    ("<think>a</think>b", "b", "a"),
    ("  <think>\nstep one\n</think>\n\nThe answer", "The answer", "step one"),
    ("<think>a</think>mid<think>c</think>end", "midend", "a\n\nc"),
    ("<think>cut off by max_tokens", "", "cut off by max_tokens"),
    ("opened in the prompt</think>answer", "answer", "opened in the prompt"),
    ("<think></think>answer", "answer", ""),
    ("answer mentions <think> later", "answer mentions <think> later", None),
])
def test_split_reasoning(text: str, answer: str, reasoning: str | None) -> None:
    assert split_reasoning(text) == (answer, reasoning)


def test_join_reasoning_skips_empty_pieces() -> None:
    assert join_reasoning(None, " ", "a", "b ") == "a\n\nb"
    assert join_reasoning(None, "") is None
