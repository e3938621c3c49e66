"""Model and pool settings, and the short spec strings users type (``openai:gpt-4o-mini``).

A ``ModelConfig`` is everything needed to build one backend plus the policy around it (timeouts,
retries, rate limits, prices). API keys never appear here: only the *name* of the environment variable
that holds one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hadron.errors import ConfigError
from hadron.llm.registry import known_schemes

SPEC_FORMS = (
    "local",
    "local:/path/model.gguf",
    "openai:MODEL",
    "openrouter:MODEL",
    "ollama:MODEL",
    "http(s)://host:port/v1#MODEL",
    "scripted:NAME",
    "SCHEME:MODEL (a backend registered under SCHEME)",
)


class ModelConfig(BaseModel):
    """One model endpoint and the call policy around it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: str
    """Registry scheme that builds the backend: ``http``, ``local``, ``scripted`` or a plugin's."""
    model: str = ""
    """Model id sent to the server (and part of every cache key)."""
    name: str = ""
    """Display name (the spec it came from); recorded in ``Completion.served_by``."""
    base_url: str | None = None
    api_key_env: str | None = None
    """Name of the environment variable holding the API key; the key itself is never stored."""
    path: str | None = None
    """Model file for local backends."""
    timeout_s: float = Field(default=120.0, gt=0, le=3600)
    max_retries: int = Field(default=6, ge=0, le=100)
    backoff_s: float = Field(default=0.5, ge=0)
    """First retry waits up to this long (full jitter); each later retry doubles it."""
    backoff_cap_s: float = Field(default=30.0, ge=0)
    rpm: float | None = Field(default=None, gt=0)
    tpm: float | None = Field(default=None, gt=0)
    max_concurrency: int = Field(default=64, ge=1)
    adaptive: bool = True
    """Halve concurrency on 429 and creep back up on success."""
    price_in_per_mtok: float = Field(default=0.0, ge=0)
    price_out_per_mtok: float = Field(default=0.0, ge=0)
    extra_body: dict[str, Any] = Field(default_factory=dict)
    """Extra JSON fields merged into every request body (``top_k``, provider routing, ...)."""
    structured: Literal["json_schema", "json_object", "grammar", "none"] | None = None
    """How to ask for JSON; unset: negotiated per run (``hadron.llm.formats``), set: always this way."""
    thinking_max_tokens: int = Field(default=8192, ge=0)
    """A reasoning model that spent its whole ``max_tokens`` thinking (empty answer, finish_reason
    ``length``) is asked again with twice the budget, up to this many tokens (0: never)."""

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "spec" in data:  # ``{spec: "openai:gpt-4o-mini", rpm: 500}``
            data = dict(data)
            spec = str(data.pop("spec")).strip()
            data = {**_spec_fields(spec), "name": spec, **data}
        if isinstance(data, dict) and not data.get("name"):
            data = dict(data)
            data["name"] = f"{data.get('backend', '')}:{data.get('model', '')}"
        return data

    @property
    def endpoint(self) -> str:
        """Where calls go; rate limits are shared per (endpoint, model)."""
        return self.base_url or f"{self.backend}:{self.path or self.model}"


class PoolMember(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: ModelConfig
    weight: float = Field(default=1.0, gt=0)

    @field_validator("model", mode="before")
    @classmethod
    def _spec(cls, value: Any) -> Any:
        return parse_spec(value) if isinstance(value, str) else value

    @property
    def name(self) -> str:
        return self.model.name


class PoolConfig(BaseModel):
    """Several models answering as one: weighted routing by row, failover in ``preferred`` order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    members: list[PoolMember] = Field(min_length=1)
    preferred: list[str] = Field(default_factory=list)
    """Member names in failover order; members not listed follow in their listed order."""
    name: str = "pool"
    cooldown_s: float = Field(default=30.0, ge=0)
    """How long a member that failed persistently is tried last."""

    @field_validator("members", mode="before")
    @classmethod
    def _members(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [{"model": item} if isinstance(item, str | ModelConfig) else item for item in value]

    @model_validator(mode="after")
    def _known_preferred(self) -> PoolConfig:
        names = [member.name for member in self.members]
        if len(set(names)) != len(names):
            raise ValueError(f"pool members must have distinct names, got {names}")
        unknown = [name for name in self.preferred if name not in names]
        if unknown:
            raise ValueError(f"preferred names {unknown} are not pool members {names}")
        return self

    def failover_order(self) -> list[PoolMember]:
        by_name = {member.name: member for member in self.members}
        first = [by_name[name] for name in self.preferred]
        return first + [member for member in self.members if member.name not in self.preferred]


_PROVIDERS: dict[str, tuple[str, str | None]] = {
    "openai": ("https://api.openai.com/v1", "OPENAI_API_KEY"),
    "openrouter": ("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    "ollama": ("http://127.0.0.1:11434/v1", None),
}
"""Hosted OpenAI-compatible services: scheme -> (base URL, API key variable)."""


ModelSpec = str | ModelConfig | PoolConfig
"""What a config may name a model by: a spec string, a model block or a pool."""


def spec_name(spec: ModelSpec) -> str:
    """How a model is named in rows and settings (configs hold API-key variable names, never keys)."""
    return spec if isinstance(spec, str) else spec.name


def parse_spec(spec: str, **overrides: Any) -> ModelConfig:
    """Turn a spec string into a ``ModelConfig``; ``overrides`` set any other field (``rpm=500``)."""
    spec = spec.strip()
    fields: dict[str, Any] = {**_spec_fields(spec), "name": spec}
    fields.update(overrides)
    try:
        return ModelConfig(**fields)
    except ValueError as err:  # pydantic.ValidationError is a ValueError
        raise ConfigError(f"invalid settings for model {spec!r}: {err}") from err


def _spec_fields(spec: str) -> dict[str, Any]:
    if spec.startswith(("http://", "https://")):
        base_url, _, model = spec.partition("#")
        return {"backend": "http", "base_url": base_url.rstrip("/"), "model": model}
    scheme, sep, rest = spec.partition(":")
    if scheme == "local":
        path = rest or None
        return {"backend": "local", "path": path, "model": Path(path).stem if path else "local"}
    if sep and rest and scheme in _PROVIDERS:
        base_url, key_env = _PROVIDERS[scheme]
        return {"backend": "http", "base_url": base_url, "api_key_env": key_env, "model": rest}
    if sep and rest and _is_backend_scheme(scheme):
        return {"backend": scheme, "model": rest}
    raise ConfigError(f"unknown model spec {spec!r}; valid forms: {', '.join(SPEC_FORMS)}")


def _is_backend_scheme(scheme: str) -> bool:
    return scheme in known_schemes()
