from __future__ import annotations

import pytest

from hadron.errors import ConfigError
from hadron.llm import ModelConfig, parse_spec


@pytest.mark.parametrize(("spec", "expected"), [
    ("local", {"backend": "local", "model": "local", "path": None}),
    ("local:/models/smol.gguf", {"backend": "local", "model": "smol", "path": "/models/smol.gguf"}),
    ("openai:gpt-4o-mini", {"backend": "http", "model": "gpt-4o-mini",
                            "base_url": "https://api.openai.com/v1", "api_key_env": "OPENAI_API_KEY"}),
    ("openrouter:meta/llama-3", {"backend": "http", "model": "meta/llama-3",
                                 "api_key_env": "OPENROUTER_API_KEY"}),
    ("ollama:qwen3", {"backend": "http", "base_url": "http://127.0.0.1:11434/v1", "api_key_env": None}),
    ("http://127.0.0.1:8000/v1/#m", {"backend": "http", "base_url": "http://127.0.0.1:8000/v1",
                                     "model": "m"}),
    ("https://host/v1#org/m:latest", {"backend": "http", "base_url": "https://host/v1",
                                      "model": "org/m:latest"}),
    ("scripted:judge", {"backend": "scripted", "model": "judge"}),
])
def test_parse_spec(spec: str, expected: dict[str, object]) -> None:
    config = parse_spec(spec)
    assert config.name == spec
    for field, value in expected.items():
        assert getattr(config, field) == value


@pytest.mark.parametrize("spec", ["gpt-4o", "openai:", "nosuch:model", ""])
def test_unknown_specs_list_the_valid_forms(spec: str) -> None:
    with pytest.raises(ConfigError, match=r"valid forms: local, local:/path/model\.gguf, openai:MODEL"):
        parse_spec(spec)


def test_overrides_are_validated() -> None:
    assert parse_spec("openai:m", timeout_s=900, rpm=500).timeout_s == 900
    with pytest.raises(ConfigError, match="timeout_s"):
        parse_spec("openai:m", timeout_s=-1)
    with pytest.raises(ConfigError, match="extra"):
        parse_spec("openai:m", api_key="sk-nope")


def test_model_config_defaults() -> None:
    config = ModelConfig(backend="http", model="m", base_url="http://h/v1")
    assert config.name == "http:m" and config.timeout_s == 120 and config.adaptive
    assert config.endpoint == "http://h/v1"
    assert ModelConfig(backend="local", model="local").endpoint == "local:local"


def test_a_model_block_can_start_from_a_spec_string() -> None:
    from hadron.llm import ModelConfig

    config = ModelConfig.model_validate({"spec": "openai:gpt-4o-mini", "rpm": 500, "timeout_s": 900})
    assert (config.backend, config.model, config.api_key_env) == ("http", "gpt-4o-mini", "OPENAI_API_KEY")
    assert (config.rpm, config.timeout_s, config.name) == (500, 900, "openai:gpt-4o-mini")
