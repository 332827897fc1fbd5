"""The Django admin, for IT administrators only (and only after both sign-in factors)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from joinedup.accounts.roles import JobRole
from joinedup.accounts.session import is_fully_signed_in


def is_it_administrator(request: HttpRequest) -> bool:
    user = request.user
    if not (user.is_active and user.is_staff and is_fully_signed_in(request)):
        return False
    if user.is_superuser:
        return True
    from joinedup.accounts.models import User

    return (
        isinstance(user, User)
        and user.active_role_profiles().filter(job_role=JobRole.IT_ADMINISTRATOR).exists()
    )


class JoinedupAdminSite(admin.AdminSite):
    site_header = "joinedup administration (IT administrators)"
    site_title = "joinedup administration"

    def has_permission(self, request: HttpRequest) -> bool:
        return is_it_administrator(request)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Everyone signs in at /sign-in/ (password, lockout, second factor). The admin's own
        # password-only form would skip all three, so it is never offered.
        if self.has_permission(request):
            return redirect(f"{self.name}:index")
        raise PermissionDenied


admin_site = JoinedupAdminSite(name="admin")
