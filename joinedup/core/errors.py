"""Errors that selectors and services raise for views and the API to translate."""

from __future__ import annotations


class NotFound(Exception):
    """The record does not exist *or* the actor may not see it: the same answer for both."""


class NotAllowed(Exception):
    """The actor can see the record but may not make this change."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DomainRuleBroken(Exception):
    """A change that breaks a rule of the domain, with a message for the person who tried."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class EditConflict(Exception):
    """Someone else changed the record after the writer opened it: show both versions rather
    than silently replacing theirs."""
