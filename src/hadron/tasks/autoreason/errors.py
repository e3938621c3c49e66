"""Why a row cannot be refined. Raised from the step, recorded by the runtime as an error row.

A row with no usable prompt or no first draft fails with its reason; it never gets a made-up
generation and never stops the run.
"""

from __future__ import annotations

from hadron.errors import HadronError


class RowFailed(HadronError):
    """This row cannot produce a generation (the run goes on)."""


class EmptyPrompt(RowFailed):
    """The prompt is empty or only whitespace."""


class BadConversation(RowFailed):
    """The row's ``messages`` / ``system`` do not make a conversation to answer."""


class EmptyDraft(RowFailed):
    """The teacher returned no text, so there is nothing to refine."""


__all__ = ["BadConversation", "EmptyDraft", "EmptyPrompt", "RowFailed"]
