"""The task contract: one ``Task`` descriptor per task says everything the rest of Hadron needs to know
about its rows, so exports, QA and the CLI never guess from column names.

A task (``tasks/autoreason``, ``tasks/nanoflux``, ``tasks/agentic``, the baselines, or a plugin) exports
one ``Task``: its pipeline step, its row model, the record kinds it can extract from a row (``records``:
kind → extractor, kinds from ``hadron.data.exports.RECORD_KINDS``), its card text, the report's sample
view for its rows, the columns QA should not chart, its own headline numbers (``stats``), and how its
command runs (``run``: settings → rows → exports → summary).

Tasks register through one door, the ``hadron.steps`` entry points, naming the descriptor
(``autoreason = "hadron.tasks.autoreason.task:TASK"``); the step registry takes the descriptor's
``step`` from it, and this module finds the descriptor by the same name. In-process (a test, a
notebook), ``register_task(TASK)`` is the one line. The runtime never imports a task package.

Which task a row belongs to: the task named by its ``method`` column (AutoReason and the baselines
write one), else the run's task (``task_of_run``: the config's ``task:``, else its last step whose kind
is a task).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from hadron.data.exports.extraction import Extraction, Extractor
from hadron.errors import ConfigError
from hadron.runtime.registry import known_kinds, plugin_object, register_step
from hadron.runtime.step import Step

if TYPE_CHECKING:
    from hadron.runtime.export import ExportStats
    from hadron.runtime.pipeline import RunResult
    from hadron.runtime.progress import ProgressMode
    from hadron.runtime.rundir import RunDir

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CardText:
    """What the dataset card says about a task's method (``dataset_card.md.j2`` reads these names)."""

    name: str
    summary: str
    description: str
    task_categories: tuple[str, ...] = ("text-generation",)
    tags: tuple[str, ...] = ()
    citation: str | None = None
    limitations: tuple[str, ...] = ()
    preference: bool = False
    """The rows carry preference pairs (judged candidates), so the card mentions preference tuning."""


@dataclass(slots=True)
class RunRequest:
    """What a task's command hands its ``run``: the task's settings and where the run lives."""

    settings: Any
    """The task's own settings model (``AutoReasonConfig``, ``NanoFluxConfig``, ...)."""
    out: Path
    source: Any = None
    """Input rows for tasks that read prompts (a path, ``hf://``, rows); None for tasks that plan their
    own rows (NanoFlux rounds, agentic episodes)."""
    progress: ProgressMode = "auto"
    retry_errors: bool = False
    """Redo only the rows in ``errors.jsonl``."""
    cache: Path | None = None
    """The request cache (default ``$HADRON_CACHE``, else ``OUT/cache.sqlite``: ``RunDir.cache_for``)."""
    workers: int = 1
    """Processes the rows are spread over (``--workers``; more than 1: the ``pool`` executor)."""


@dataclass(slots=True)
class TaskResult:
    """What a task's ``run`` returns: the pipeline's result, the exports written, the task's summary."""

    out: Path
    run: RunResult
    exports: dict[str, ExportStats] = field(default_factory=dict)
    summary: Any = None


TaskRunner = Callable[[RunRequest], Awaitable[TaskResult]]


class TaskStats(Protocol):
    """A task's own numbers over its rows (AutoReason: convergence, passes, ballots, position bias),
    folded one row at a time in QA's single pass; two add, so shards summarize apart."""

    def add_row(self, row: Row) -> None: ...

    def __add__(self, other: Any) -> Any: ...

    def headline(self) -> dict[str, Any]:
        """Numbers merged into the run's headline (``hadron stats``, the report's cards, the card)."""
        ...

    def role_models(self) -> Mapping[str, Iterable[str]]:
        """Which models served each role, as the task's own records say (a tournament's trace)."""
        ...

    def card_lines(self) -> list[tuple[str, str]]:
        """(label, value) lines for the dataset card's numbers, beyond the headline's."""
        ...

    def sections(self) -> list[Any]:
        """The task's report sections (``hadron.qa.sections.Section``) drawn from these numbers."""
        ...


@dataclass(frozen=True, slots=True)
class Task:
    """One task's descriptor. ``name`` is its step kind and the ``method`` its rows carry, if any."""

    name: str
    step: type[Step]
    row_model: type[BaseModel]
    """A tolerant view of one output row: what ``records`` extractors read."""
    records: Mapping[str, Extractor]
    card: CardText
    report_view: str = "plain"
    """The report's sample view for these rows: ``tournament``, ``agentic`` (a conversation with tool
    calls) or ``plain``."""
    text_columns: frozenset[str] = frozenset()
    """Columns QA does not break down as categories or numbers (long text, traces, nested records)."""
    run: TaskRunner | None = None
    """The task's command: settings → pipeline run → exports → summary."""
    formats: tuple[str, ...] = ("all",)
    """Export formats its command writes after a run."""
    dataset: Callable[[RunDir], Callable[[Row], bool]] | None = None
    """Which of a run's rows form its dataset (NanoFlux: the selection from the pool); exports skip
    the rest as ``not_selected``. None: every row."""
    report_sections: Callable[[RunDir], list[Any]] | None = None
    """Extra sections for the run report (``hadron.qa.sections.Section`` objects)."""
    stats: Callable[[], TaskStats] | None = None
    """A fresh accumulator of the task's own headline numbers; QA folds each of the task's rows into
    one (tasks sharing an accumulator type, AutoReason and its baselines, are added together)."""

    def view(self, row: Row) -> BaseModel:
        """The row as ``row_model``; raises pydantic's ValidationError naming the bad field."""
        return row if isinstance(row, self.row_model) else self.row_model.model_validate(dict(row))

    def extract(self, kind: str, view: BaseModel) -> Extraction[Any]:
        """Records of ``kind`` from one parsed row; a kind this task does not make is one skip."""
        extractor = self.records.get(kind)
        if extractor is None:
            return Extraction[Any]().skip(f"no_{kind}")
        return extractor(view)


_tasks: dict[str, Task] = {}


def register_task(task: Task) -> Task:
    """Register ``task`` (and its step, under the same name) in this process."""
    if task.step.kind != task.name:
        raise ConfigError(f"task {task.name!r}: its step's kind is {task.step.kind!r}",
                          hint="a task is found by its step kind; give both the same name")
    _tasks[task.name] = task
    register_step(task.step)
    return task


def get_task(name: str) -> Task | None:
    """The task registered as ``name`` (in process or through ``hadron.steps``), or None."""
    if name in _tasks:
        return _tasks[name]
    if ":" in name:  # import paths name custom steps, never tasks; a row's text must not import code
        return None
    obj = plugin_object(name)
    return obj if isinstance(obj, Task) else None


def known_tasks() -> list[Task]:
    """Every registered task, by name."""
    found = {name: task for name in known_kinds() if (task := get_task(name)) is not None}
    found.update(_tasks)
    return [found[name] for name in sorted(found)]


def task_of_run(config: Mapping[str, Any]) -> Task | None:
    """The task a run's saved config names: ``task:`` (or ``method:``), else its last task step."""
    for key in ("task", "method"):
        named = config.get(key)
        if isinstance(named, str) and (task := get_task(named)) is not None:
            return task
    steps = config.get("steps")
    for spec in reversed(steps if isinstance(steps, list) else []):
        kind = spec.get("step") if isinstance(spec, dict) else None
        if isinstance(kind, str) and (task := get_task(kind)) is not None:
            return task
    return None


def task_of_row(row: Row, default: Task | None = None) -> Task | None:
    """The task named by the row's ``method`` column, else ``default`` (the run's task)."""
    method = row.get("method")
    if isinstance(method, str) and (task := get_task(method)) is not None:
        return task
    return default


__all__ = [
    "CardText",
    "RunRequest",
    "Task",
    "TaskResult",
    "TaskRunner",
    "TaskStats",
    "get_task",
    "known_tasks",
    "register_task",
    "task_of_row",
    "task_of_run",
]
