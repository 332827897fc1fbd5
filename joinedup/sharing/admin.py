"""Information categories are configured in the admin: the five joinedup ships with, and any
more the partnership's information-governance leads agree (added by IT administrators).

A category's code is its identity in agreements, entries, consents and the audit trail, so it
cannot be changed or deleted once made; its name and description can."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from joinedup.accounts.admin import ItAdministratorAccess, ModelAdminBase
from joinedup.accounts.admin_site import admin_site
from joinedup.sharing.models import InformationCategory


@admin.register(InformationCategory, site=admin_site)
class InformationCategoryAdmin(ItAdministratorAccess, ModelAdminBase):
    list_display = ("name", "code", "sensitive", "description")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
