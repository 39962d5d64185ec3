"""Domain errors of the storage layer. No raw sqlite3 error leaves a repository."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every storage error; the message says what is wrong in plain words.

    ``code`` is a short stable name of the case ("expired", "used_up") for callers that show
    their own, translated, wording.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class NotFound(StorageError):
    """A referenced record (institution, period, member, invitation...) does not exist."""


class InvalidInput(StorageError):
    """A value outside what the record allows (level outside the scale, text over the limit...)."""


class Conflict(StorageError):
    """The change clashes with the current state (an invitation used up, a duplicate...)."""


class AnswerLocked(Conflict):
    """The answer is final: only a lead's reopen can change it."""

    def __init__(self, period_id: int, indicator: int) -> None:
        super().__init__(f"indicator {indicator} of period {period_id} is final (locked); a lead must reopen it first", code="locked")
        self.period_id = period_id
        self.indicator = indicator


class DatabaseTooNew(StorageError):
    """The database was written by a newer program version."""
