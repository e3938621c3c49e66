"""hadron.redact masks secret values by value, wherever they appear, and leaves other text alone."""

from __future__ import annotations

import json

import pytest

from hadron import redact as secrets

KEY = "sk-test-1234567890abcdef"


@pytest.mark.parametrize("name", ["OPENAI_API_KEY", "GITHUB_TOKEN", "AWS_SECRET", "HF_TOKEN", "DB_PASSWORD"])
def test_secret_looking_names_are_masked_everywhere(name: str) -> None:
    env = {name: KEY, "HOME": "/root"}
    text = f"the key is {KEY}; again: {KEY}. home is /root"
    assert secrets.redact(text, env) == "the key is [REDACTED]; again: [REDACTED]. home is /root"


def test_a_name_registered_from_a_model_config_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_PROVIDER_CRED", KEY)
    assert secrets.redact(KEY) == KEY
    monkeypatch.setattr(secrets, "_registered", set())
    secrets.register_secret_env("MY_PROVIDER_CRED")
    assert secrets.redact(f"x{KEY}x") == "x[REDACTED]x"


def test_short_values_and_other_variables_are_left_alone() -> None:
    env = {"DEBUG_KEY": "1", "PATH": "/usr/bin:/bin-with-a-long-value"}
    assert secrets.redact("1 /usr/bin:/bin-with-a-long-value", env) == "1 /usr/bin:/bin-with-a-long-value"


def test_the_json_escaped_form_is_masked_too() -> None:
    key = 'sk-with"quote\\and-slash'
    written = json.dumps({"echo": f"key={key}"})
    assert key not in json.loads(secrets.redact(written, {"X_TOKEN": key}))["echo"]
    assert secrets.redact_bytes(written.encode(), {"X_TOKEN": key}).count(b"[REDACTED]") == 1


def test_a_secret_set_or_changed_at_run_time_is_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    assert secrets.redact(KEY) == KEY  # primes the cache of the process environment
    monkeypatch.setenv("LATE_API_KEY", KEY)
    assert secrets.redact(KEY) == "[REDACTED]"
    monkeypatch.setenv("LATE_API_KEY", KEY + "-rotated")
    assert secrets.redact(f"{KEY}-rotated") == "[REDACTED]"
