"""Typed model-call errors. The retry layer decides with ``isinstance``, never by reading messages.

    LLMError
     ├── TransientError      worth retrying
     │    ├── RateLimited    429; carries retry_after seconds when the server sent it
     │    ├── ServerError    5xx
     │    ├── Timeout        no answer within the configured timeout
     │    ├── Disconnected   connection refused / reset / closed early
     │    └── MalformedResponse  body is not the JSON we expect (truncated, empty choices)
     └── Rejected            400/401/403/404/422: fail fast, retrying cannot help
          ├── FormatRefused  the server does not take this structured-output format: ask in the next
          │                  one (``hadron.llm.formats``); never retried as it is
          └── MemberFatal    401/403, or 404 for an unknown model: no request to this endpoint can
               │             succeed, so a pool disables the member for the run
               └── PoolExhausted  every member of a pool is fatal: the run stops (``FatalError``)
"""

from __future__ import annotations

from hadron.errors import FatalError, HadronError


class LLMError(HadronError):
    """A model call failed."""

    status: int | None = None


class TransientError(LLMError):
    """A failure that a retry may fix."""


class RateLimited(TransientError):
    status = 429

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(TransientError):
    def __init__(self, message: str, *, status: int = 500) -> None:
        super().__init__(message)
        self.status = status


class Timeout(TransientError):
    """The backend did not answer within the timeout."""


class Disconnected(TransientError):
    """The connection was refused, reset or closed before a full answer."""


class MalformedResponse(TransientError):
    """The body could not be read as a chat completion."""


class Rejected(LLMError):
    """The request itself is wrong (bad model name, bad key, too long): fail fast."""

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class RetriesExhausted(LLMError):
    """Every attempt failed with a transient error; ``last`` is the final one."""

    def __init__(self, message: str, *, attempts: int, last: LLMError) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last = last


class FormatRefused(Rejected):
    """The server refused the request's structured-output format (``response_format`` or ``grammar``).

    Raised by backends only for a request that carried one; the client downgrades to the next format
    and asks again (``hadron.llm.formats``)."""


class MemberFatal(Rejected):
    """Every request to this endpoint and model would fail the same way (bad key, no access, unknown
    model): a pool stops using the member for the rest of the run."""


class PoolExhausted(MemberFatal, FatalError):
    """Every member of a pool is fatal: no row can be answered, so the run stops."""
