"""``hadron serve``: the embedded model over HTTP, called by the openai SDK and by Hadron's own client."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from hadron.cli.serve import rewrite_request
from hadron.llm import ModelHub
from hadron.testing import serve_local

THINK_FIRST = 'root ::= "<think>" [a-z0-9 +=]{1,24} "</think>" " " [0-9]{1,3}'
"""A GBNF grammar (llama.cpp's server takes one in the body) that makes the real model reply with a
``<think>`` block, so the HTTP reasoning split is tested on a real answer, deterministically."""


class Sum(BaseModel):
    answer: int


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_local() as url:
        yield url


@pytest.mark.model
def test_the_openai_sdk_talks_to_the_served_model(base_url: str) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=base_url, api_key="x")
    reply = client.chat.completions.create(model="smollm2", max_tokens=16, temperature=0,
                                           messages=[{"role": "user", "content": "What is 2+2?"}])
    assert reply.model == "smollm2"
    assert reply.choices[0].message.content.strip()
    assert reply.usage is not None and reply.usage.completion_tokens > 0


@pytest.mark.model
def test_the_openai_sdks_max_completion_tokens_caps_the_answer(base_url: str) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=base_url, api_key="x")
    reply = client.chat.completions.create(
        model="smollm2", max_completion_tokens=6, temperature=0,
        messages=[{"role": "user", "content": "Write a long story about a dragon."}])
    assert reply.usage is not None and 0 < reply.usage.completion_tokens <= 6
    assert reply.choices[0].finish_reason == "length"


@pytest.mark.model
async def test_hadron_http_spec_gets_answers_json_and_reasoning(base_url: str) -> None:
    async with ModelHub() as hub:
        model = hub.get(f"{base_url}#smollm2")
        plain = await model.chat("What is 2+2?", max_tokens=16, temperature=0)
        structured = await model.chat_json("What is 2+2? Reply in JSON.", Sum, max_tokens=20)
        thought = await model.chat("What is 2+2? Think first.", max_tokens=40, temperature=0,
                                   extra_body={"grammar": THINK_FIRST})
    assert plain.text.strip() and plain.usage.completion_tokens > 0
    assert plain.served_by == f"{base_url}#smollm2"
    # json_schema reaches llama.cpp's grammar through `hadron serve`'s rewrite: valid at the first try
    assert isinstance(structured.value, Sum) and structured.reasks == 0
    assert thought.reasoning and "<think>" not in thought.text and "</think>" not in thought.text
    assert thought.text.strip().isdigit()


def test_json_schema_response_format_is_rewritten_for_llama_cpp() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "integer"}}}
    body = {"model": "smollm2", "messages": [],
            "response_format": {"type": "json_schema", "json_schema": {"name": "Sum", "schema": schema}}}
    rewritten = json.loads(rewrite_request(json.dumps(body).encode()))
    assert rewritten["response_format"] == {"type": "json_object", "schema": schema}
    untouched = json.dumps({"messages": [], "response_format": {"type": "json_object"}}).encode()
    assert rewrite_request(untouched) == untouched
    assert rewrite_request(b"{not json") == b"{not json" and rewrite_request(b"[]") == b"[]"


def test_max_completion_tokens_becomes_llama_cpps_max_tokens() -> None:
    """OpenAI's current name for the cap; llama-cpp's server ignores it, so the answer ran to n_ctx."""
    rewritten = json.loads(rewrite_request(b'{"messages": [], "max_completion_tokens": 8}'))
    assert rewritten == {"messages": [], "max_tokens": 8}
    both = json.loads(rewrite_request(b'{"messages": [], "max_tokens": 4, "max_completion_tokens": 8}'))
    assert both == {"messages": [], "max_tokens": 4}


def test_a_busy_port_is_one_line_and_exit_code_2() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-c", "from hadron.cli import main; main()", "serve",
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert f"127.0.0.1:{port}" in done.stderr
