"""Role prompts as Jinja files shipped in the package, each overridable by a path.

A task keeps its templates in ``hadron/prompts/<task>/<name>.j2``. ``load_template("critic.j2",
task="autoreason")`` reads the packaged file through ``importlib.resources`` (works from a wheel or a
zip); ``override="my/critic.j2"`` reads the user's file instead.
Templates render with ``StrictUndefined`` so a misspelt variable fails loudly instead of rendering
an empty string into a prompt.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2

from hadron.errors import ConfigError

_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,
)


def packaged_template_text(name: str, *, task: str) -> str:
    """The text of a template shipped in ``hadron/prompts/<task>/``."""
    node = resources.files("hadron.prompts").joinpath(task, name)
    if not node.is_file():
        available = sorted(p.name for p in resources.files("hadron.prompts").joinpath(task).iterdir()
                           if p.name.endswith(".j2"))
        raise ConfigError(f"no packaged template {task}/{name}", hint=f"available: {', '.join(available)}")
    return node.read_text(encoding="utf-8")


@lru_cache(maxsize=128)
def _compile(text: str, origin: str) -> jinja2.Template:
    try:
        return _ENV.from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{origin}:{exc.lineno}: template syntax error: {exc.message}") from exc


def load_template(name: str, *, task: str, override: str | Path | None = None) -> jinja2.Template:
    """The user's file at ``override`` when given, else the packaged ``<task>/<name>``."""
    if override is not None:
        path = Path(override).expanduser()
        if not path.is_file():
            raise ConfigError(f"template file not found: {override}")
        return _compile(path.read_text(encoding="utf-8"), str(path))
    return _compile(packaged_template_text(name, task=task), f"{task}/{name}")


def render(template: jinja2.Template, **variables: object) -> str:
    """Render and strip, turning a missing variable into a ConfigError that names it."""
    try:
        return template.render(**variables).strip()
    except jinja2.UndefinedError as exc:
        raise ConfigError(f"template variable missing: {exc.message}") from exc


__all__ = ["load_template", "packaged_template_text", "render"]
