"""The Django admin for IT administrators: accounts, role profiles and the directory.

Only the joinedup admin site (accounts.admin_site) is used, and it lets in IT administrators
after both sign-in factors. Password hashes and authenticator secrets are never shown: they
are left out of every form and list here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model, QuerySet, URLField
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from joinedup.accounts.admin_site import admin_site, is_it_administrator
from joinedup.accounts.models import ApiToken, RoleProfile, User
from joinedup.accounts.services import reset_second_factor, revoke_api_token
from joinedup.directory.models import Organisation, Practitioner, Service, Team

if TYPE_CHECKING:  # the admin classes are generic only in django-stubs
    ModelAdminBase = admin.ModelAdmin[Any]
    RoleProfileInlineBase = admin.TabularInline[RoleProfile, Practitioner]
    UserAdminBase = UserAdmin[User]
    UserFormBase = ModelForm[User]
else:
    ModelAdminBase = admin.ModelAdmin
    RoleProfileInlineBase = admin.TabularInline
    UserAdminBase = UserAdmin
    UserFormBase = ModelForm


class UserAccountForm(UserFormBase):
    """The fields come from the admin's fieldsets. Unlike Django's UserChangeForm it has no
    password field, so not even part of the hash is ever shown."""

    class Meta:
        model = User
        fields = ("username",)


class ItAdministratorAccess:
    """What an IT administrator may do here comes from their role, not from Django's per-model
    permissions, which joinedup does not hand out: the site and every model agree."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_it_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_it_administrator(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_it_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_it_administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_it_administrator(request)


class CreatorRecordingAdmin(ItAdministratorAccess, ModelAdminBase):
    """Fill in created_by on the records an IT administrator adds, inline ones included."""

    # A web address typed without a scheme means https (Django 6's default, chosen now).
    formfield_overrides = {URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            _record_creator(obj, request)
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for inline_form in formset.forms:
            if inline_form.instance._state.adding:
                _record_creator(inline_form.instance, request)
        super().save_formset(request, form, formset, change)


def _record_creator(obj: Model, request: HttpRequest) -> None:
    if hasattr(obj, "created_by_id") and isinstance(request.user, User):
        setattr(obj, "created_by", request.user)  # noqa: B010 - any BaseModel record


@admin.register(User, site=admin_site)
class JoinedupUserAdmin(ItAdministratorAccess, UserAdminBase):
    form = UserAccountForm
    fieldsets = (
        (None, {"fields": ("username",)}),
        ("Personal details", {"fields": ("first_name", "last_name", "email")}),
        ("Role profiles", {"fields": ("role_profiles",)}),
        ("Signing in", {"fields": ("second_factor", "last_login", "date_joined")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    readonly_fields = ("role_profiles", "second_factor", "last_login", "date_joined")
    list_display = (
        "username",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
        "second_factor",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)
    filter_horizontal = ("groups",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit trail keeps naming the account

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        # Only a superuser may make another superuser.
        if not request.user.is_superuser:
            fields += ("is_superuser",)
        return fields

    @admin.display(description="Role profiles")
    def role_profiles(self, user: User) -> SafeString | str:
        profiles = RoleProfile.objects.filter(practitioner__user=user).select_related(
            "organisation"
        )
        if not profiles:
            return "None: link a practitioner to this account and add a role profile."
        return format_html_join(
            format_html("<br>"),
            '<a href="{}">{}</a>{}',
            (
                (
                    reverse("admin:accounts_roleprofile_change", args=[profile.pk]),
                    str(profile),
                    f" (ended {profile.ends_on:%d %b %Y})" if profile.ends_on else "",
                )
                for profile in profiles
            ),
        )

    @admin.display(description="Authenticator app", boolean=True)
    def second_factor(self, user: User) -> bool:
        return user.has_second_factor

    actions = ("reset_authenticator",)

    @admin.action(
        description="Reset the authenticator app (confirm who is asking first; they set up a new "
        "app at their next sign-in)"
    )
    def reset_authenticator(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        if not isinstance(request.user, User):
            return
        names = []
        for user in queryset:
            reset_second_factor(user=user, by=request.user)
            names.append(user.username)
        self.message_user(
            request,
            f"Authenticator app reset for {', '.join(names)}. At their next sign-in, after their "
            "password, they will be asked to set up a new one.",
            messages.SUCCESS,
        )


@admin.register(RoleProfile, site=admin_site)
class RoleProfileAdmin(CreatorRecordingAdmin):
    list_display = ("practitioner", "job_role", "organisation", "team", "starts_on", "ends_on")
    list_filter = ("job_role", "organisation__org_type")
    search_fields = (
        "practitioner__given_name",
        "practitioner__family_name",
        "organisation__name",
    )
    autocomplete_fields = ("practitioner", "organisation", "team")
    list_select_related = ("practitioner", "organisation", "team")
    exclude = ("created_by",)


class RoleProfileInline(ItAdministratorAccess, RoleProfileInlineBase):
    model = RoleProfile
    fields = ("organisation", "team", "job_role", "starts_on", "ends_on")
    autocomplete_fields = ("organisation", "team")
    extra = 0


@admin.register(Practitioner, site=admin_site)
class PractitionerAdmin(CreatorRecordingAdmin):
    list_display = ("display_name", "profession", "regulator", "registration_number", "user")
    list_filter = ("profession", "regulator")
    search_fields = ("given_name", "family_name", "registration_number", "email")
    autocomplete_fields = ("user",)
    list_select_related = ("user",)
    exclude = ("created_by",)
    inlines = (RoleProfileInline,)


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(CreatorRecordingAdmin):
    list_display = ("name", "org_type", "ods_code", "postcode")
    list_filter = ("org_type",)
    search_fields = ("name", "ods_code", "postcode")
    exclude = ("created_by",)


@admin.register(Service, site=admin_site)
class ServiceAdmin(CreatorRecordingAdmin):
    list_display = ("name", "organisation", "accepts_referrals", "capacity_status")
    list_filter = ("accepts_referrals", "capacity_status")
    search_fields = ("name", "organisation__name")
    autocomplete_fields = ("organisation",)
    list_select_related = ("organisation",)
    exclude = ("created_by",)


@admin.register(Team, site=admin_site)
class TeamAdmin(CreatorRecordingAdmin):
    list_display = ("name", "organisation", "service")
    search_fields = ("name", "organisation__name")
    autocomplete_fields = ("organisation", "service")
    list_select_related = ("organisation", "service")
    exclude = ("created_by",)


@admin.register(ApiToken, site=admin_site)
class ApiTokenAdmin(ItAdministratorAccess, ModelAdminBase):
    """Tokens can be seen and revoked here, never created or edited: `joinedup create-api-token`
    makes them and shows each token once."""

    list_display = (
        "name",
        "prefix",
        "user",
        "role_profile",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user", "role_profile__organisation", "role_profile__practitioner")
    fields = (
        "name",
        "prefix",
        "user",
        "role_profile",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked tokens stay, so the audit trail can name them

    @admin.action(description="Revoke the selected tokens (they stop working at once)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        if not isinstance(request.user, User):
            return
        revoked = [
            t.prefix
            for t in queryset.select_related("user")
            if revoke_api_token(token=t, by=request.user)
        ]
        self.message_user(
            request,
            f"Revoked {len(revoked)} token(s)."
            if revoked
            else "Those tokens were already revoked.",
            messages.SUCCESS if revoked else messages.WARNING,
        )
