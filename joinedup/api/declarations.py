"""Who may use each API operation and what it audits (STYLE.md habit 3, for the API).

Ninja operations are not Django views, so `@route` cannot mark them. Each operation passes
`openapi_extra=declare(access=..., audit=...)` instead; the declaration then also appears in the
OpenAPI document as `x-joinedup-access` and `x-joinedup-audit`, and core/tests/test_routes.py
fails on any operation without one."""

from __future__ import annotations

from typing import Any

from ninja.operation import Operation

from joinedup.core.routes import Access, Audit

ACCESS_KEY = "x-joinedup-access"
AUDIT_KEY = "x-joinedup-audit"


def declare(*, access: Access, audit: Audit) -> dict[str, Any]:
    """The `openapi_extra` that declares an operation's access and audit behaviour."""
    return {ACCESS_KEY: access.value, AUDIT_KEY: audit.value}


def declaration_of_operation(operation: Operation) -> tuple[Access, Audit] | None:
    """The operation's declared access and audit, or None if it has none (or an unknown one)."""
    extra = operation.openapi_extra or {}
    try:
        return Access(extra[ACCESS_KEY]), Audit(extra[AUDIT_KEY])
    except (KeyError, ValueError):
        return None
