"""A base for environments whose state is a small relational database (SQLite, in memory).

The scenario's ``initial_state`` maps table names to rows; they are inserted over the family's default
rows (a row with the same primary key replaces the default). Success is checked the way τ²-bench checks
its database: each assertion is a read-only SQL query and the value it must return.

"Read-only" is enforced by SQLite, not by reading the text: a check runs with ``PRAGMA query_only``
under an authorizer that allows reads and nothing else, so ``WITH x AS (...) DELETE ...`` is refused
when the scenario loads and could not change the database at check time either.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

from hadron.tasks.agentic.envs.base import Check, Environment, ToolError


class TableRows(RootModel[dict[str, list[dict[str, Any]]]]):
    """``{table: [row, ...]}``."""


class SqlAssertion(BaseModel):
    """``sql`` returns ``equals``: a scalar is compared with the first cell of the first row (None when
    there are no rows); a list is compared with all rows, each a list of cells."""

    model_config = ConfigDict(extra="forbid")

    sql: str = Field(min_length=1)
    equals: Any = None
    description: str | None = None

    @field_validator("sql")
    @classmethod
    def _read_only(cls, sql: str) -> str:
        if sql.lstrip().split(None, 1)[0].upper() not in ("SELECT", "WITH"):
            raise ValueError("a success check must be a SELECT query")
        return sql


_READ_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)


def _reads_only(action: int, *_: Any) -> int:
    return sqlite3.SQLITE_OK if action in _READ_ACTIONS else sqlite3.SQLITE_DENY


@contextmanager
def read_only(db: sqlite3.Connection) -> Iterator[None]:
    """Run queries on ``db`` that may read and nothing else (SQLite refuses the rest)."""
    db.execute("PRAGMA query_only = ON")
    db.set_authorizer(_reads_only)
    try:
        yield
    finally:
        db.set_authorizer(None)
        db.execute("PRAGMA query_only = OFF")


class SqlEnvironment(Environment):
    SCHEMA: ClassVar[str] = ""
    DEFAULT_ROWS: ClassVar[dict[str, list[dict[str, Any]]]] = {}
    State: ClassVar[type[BaseModel]] = TableRows
    Assertion: ClassVar[Any] = SqlAssertion

    def __init__(self, state: BaseModel) -> None:
        super().__init__(state)
        assert isinstance(state, TableRows)
        # tool calls run in a worker thread (one at a time per episode); checks on the event loop
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.executescript(self.SCHEMA)
        tables = {**self.DEFAULT_ROWS, **{name: [] for name in state.root}}
        for name in tables:
            rows = [*self.DEFAULT_ROWS.get(name, []), *state.root.get(name, [])]
            self._insert(name, rows)
        self.db.commit()

    def _insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        known = {row["name"] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if table not in known:
            raise ValueError(f"unknown table {table!r} (tables: {', '.join(sorted(known))})")
        for row in rows:
            columns = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            try:
                self.db.execute(
                    f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({marks})", list(row.values())
                )
            except sqlite3.Error as err:
                raise ValueError(f"{table} row {row}: {err}") from err

    @classmethod
    def validate_assertion(cls, data: Any) -> None:
        assertion = SqlAssertion.model_validate(data)
        probe = cls(TableRows({}))
        try:
            with read_only(probe.db):
                probe.db.execute(assertion.sql).fetchall()
        except sqlite3.DatabaseError as err:
            raise ValueError(f"success query does not run read-only: {err}") from err

    # -- helpers for tools -----------------------------------------------------------------------------

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in self.db.execute(sql, params)]

    def one(self, sql: str, *params: Any) -> dict[str, Any] | None:
        row = self.db.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def require(self, what: str, sql: str, *params: Any) -> dict[str, Any]:
        """The one row ``sql`` finds, or a ``ToolError`` saying which ``what`` does not exist."""
        row = self.one(sql, *params)
        if row is None:
            raise ToolError(f"no {what} {params[0]!r}" if params else f"no {what}")
        return row

    def write(self, sql: str, *params: Any) -> int:
        cursor = self.db.execute(sql, params)
        self.db.commit()
        return int(cursor.lastrowid or 0)

    # -- checks and snapshot ----------------------------------------------------------------------------

    def check(self, assertion: Any) -> Check:
        assert isinstance(assertion, SqlAssertion)
        try:
            with read_only(self.db):
                rows = [list(row) for row in self.db.execute(assertion.sql).fetchall()]
        except sqlite3.DatabaseError as err:
            return Check(assertion.description or assertion.sql, False, f"refused: {err}")
        actual: Any = (
            rows if isinstance(assertion.equals, list) else (rows[0][0] if rows and rows[0] else None)
        )
        expected = assertion.equals
        ok = _same(actual, expected)
        return Check(assertion.description or f"{assertion.sql} = {expected!r}", ok, f"got {actual!r}")

    def snapshot(self) -> dict[str, Any]:
        tables = [
            row["name"]
            for row in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {table: self.rows(f"SELECT * FROM {table}") for table in tables}


def _same(actual: Any, expected: Any) -> bool:
    """Equality that lets 1 match True and 45.0 match 45 (SQLite has no booleans; money is REAL)."""
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(
            _same(a, e) for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return abs(float(actual) - float(expected)) < 1e-6
    return bool(actual == expected)


__all__ = ["SqlAssertion", "SqlEnvironment", "TableRows"]
