"""Every route states who may use it and what it audits (STYLE.md habit 3).

Decorate each view with `@route(access=..., audit=...)`. core/tests/test_routes.py walks the URL
configuration and the API router and fails on any route without a declaration."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Access(StrEnum):
    PUBLIC = "public"  # no sign-in: sign-in pages, health check, accessibility statement
    PASSWORD_ONLY = "password_only"  # noqa: S105 - between the password and the second factor
    STAFF = "staff"  # fully signed-in staff acting in a role profile
    PERSON_POLICY = "person_policy"  # staff, and the access policy decides per person
    IT_ADMIN = "it_admin"  # the Django admin


class Audit(StrEnum):
    NONE = "none"  # touches no person data
    READ = "read"  # audits each read of person data through selectors
    WRITE = "write"  # audits each change through services
    SIGN_IN = "sign_in"  # sign-in attempts are counted for lockout


def route(*, access: Access, audit: Audit) -> Callable[[F], F]:
    def mark(view: F) -> F:
        view.joinedup_access = access  # type: ignore[attr-defined]
        view.joinedup_audit = audit  # type: ignore[attr-defined]
        return view

    return mark


def declaration_of(view: Callable[..., Any]) -> tuple[Access, Audit] | None:
    access = getattr(view, "joinedup_access", None)
    audit = getattr(view, "joinedup_audit", None)
    if access is None or audit is None:
        return None
    return access, audit
