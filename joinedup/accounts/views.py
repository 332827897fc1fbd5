"""Signing in (password, then the authenticator code), signing out and choosing a role.

The checks themselves live in accounts.services; these views only carry the user between
the steps. Until the second factor is done the session holds PASSWORD_USER, and the sign-in
middleware keeps the user out of every other page."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from markupsafe import Markup

from joinedup.accounts import services
from joinedup.accounts.forms import ChooseRoleForm, SecondFactorForm, SignInForm
from joinedup.accounts.models import User
from joinedup.accounts.session import (
    ACTING_ROLE,
    LAST_SEEN_AT,
    PASSWORD_USER,
    SECOND_FACTOR_DONE,
    SIGNED_IN_AT,
    acting_role_profile,
    is_fully_signed_in,
    mark_fully_signed_in,
)
from joinedup.core.context import render_page
from joinedup.core.routes import Access, Audit, route

# Set by SessionLifetimeMiddleware when it ends a session: "idle" or "expired".
SESSION_ENDED = "joinedup.ended"


def code_refused_message() -> str:
    minutes = settings.JOINEDUP_SIGN_IN_LOCKOUT_SECONDS // 60
    return (
        "Enter the latest 6-digit code from your authenticator app. Each code works once. "
        f"If you have tried several times, wait {minutes} minutes and try again."
    )


def duration_words(seconds: int) -> str:
    """12 hours, 30 minutes, 1 hour: how long a limit is, in words."""
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def session_ended_message(reason: object) -> str:
    if reason == "idle":
        idle = duration_words(settings.JOINEDUP_SESSION_IDLE_SECONDS)
        return f"You were signed out because you were inactive for {idle}."
    if reason == "expired":
        absolute = duration_words(settings.JOINEDUP_SESSION_ABSOLUTE_SECONDS)
        return f"You were signed out because you had been signed in for {absolute}."
    return ""


# -- where to go next ------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    """The `next` page from the query string if it is on this site, otherwise ""."""
    candidate = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if candidate and allowed else ""


def _with_next(url_name: str, request: HttpRequest) -> str:
    url = reverse(url_name)
    next_url = _safe_next(request)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _after_sign_in(request: HttpRequest) -> HttpResponse:
    return redirect(_safe_next(request) or reverse("core:home"))


# -- the password step -----------------------------------------------------------------------


def _start_password_stage(request: HttpRequest, user: User) -> None:
    for key in (SECOND_FACTOR_DONE, ACTING_ROLE):
        request.session.pop(key, None)
    login(request, user)  # a new session key: nothing from before signing in carries over
    now = time.time()
    request.session[PASSWORD_USER] = str(user.pk)
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


@route(access=Access.PUBLIC, audit=Audit.SIGN_IN)
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if is_fully_signed_in(request):
        return _after_sign_in(request)
    ended = session_ended_message(request.session.pop(SESSION_ENDED, None))
    form = SignInForm(request.POST) if request.method == "POST" else SignInForm()
    if form.is_bound and form.is_valid():
        user = services.check_password(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is not None:
            _start_password_stage(request, user)
            step = (
                "accounts:second-factor"
                if user.has_second_factor
                else "accounts:set-up-authenticator"
            )
            return redirect(_with_next(step, request))
        form.add_error("username", services.SIGN_IN_REFUSED)
    context = {"form": form, "ended_message": ended}
    return render_page(request, "accounts/sign_in.jinja", context, page_title="Sign in")


# -- the second factor -----------------------------------------------------------------------


def _password_stage_user(request: HttpRequest) -> User | None:
    """The user who has given their password in this session, or None."""
    user = request.user
    if isinstance(user, User) and request.session.get(PASSWORD_USER) == str(user.pk):
        return user
    return None


def _finish_sign_in(request: HttpRequest) -> HttpResponse:
    request.session.cycle_key()  # the session gains rights, so it gets a new key
    request.session.pop(PASSWORD_USER, None)
    mark_fully_signed_in(request)
    return _after_sign_in(request)


@route(access=Access.PASSWORD_ONLY, audit=Audit.SIGN_IN)
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    if is_fully_signed_in(request):
        return _after_sign_in(request)
    user = _password_stage_user(request)
    if user is None:
        return redirect(_with_next("accounts:sign-in", request))
    if not user.has_second_factor:
        return redirect(_with_next("accounts:set-up-authenticator", request))
    form = SecondFactorForm(request.POST) if request.method == "POST" else SecondFactorForm()
    if form.is_bound and form.is_valid():
        if services.verify_second_factor(user=user, code=form.cleaned_data["code"]):
            return _finish_sign_in(request)
        form.add_error("code", code_refused_message())
    context = {"form": form}
    return render_page(
        request, "accounts/second_factor.jinja", context, page_title="Enter your security code"
    )


def _qr_code_svg(user: User) -> Markup:
    qr = segno.make(services.provisioning_uri(user), error="m")
    svg = qr.svg_inline(scale=5, title="QR code for your authenticator app", svgclass="app-qr-code")
    return Markup(svg)  # noqa: S704 - made by segno from our own URI; no user HTML in it


def _grouped(secret: str) -> str:
    """ABCD EFGH IJKL: easier to read out and type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@route(access=Access.PASSWORD_ONLY, audit=Audit.SIGN_IN)
@require_http_methods(["GET", "POST"])
def set_up_authenticator(request: HttpRequest) -> HttpResponse:
    user = _password_stage_user(request)
    if user is None:
        return redirect(_with_next("accounts:sign-in", request))
    if user.has_second_factor:
        return redirect(_with_next("accounts:second-factor", request))
    if not user.totp_secret:
        # Keep an unconfirmed secret across page loads: the user may have scanned it already.
        services.start_authenticator_setup(user=user)
    form = SecondFactorForm(request.POST) if request.method == "POST" else SecondFactorForm()
    if form.is_bound and form.is_valid():
        if services.verify_second_factor(user=user, code=form.cleaned_data["code"]):
            messages.success(request, "Your authenticator app is set up.")
            return _finish_sign_in(request)
        form.add_error("code", code_refused_message())
    context = {"form": form, "secret": _grouped(user.totp_secret), "qr_code": _qr_code_svg(user)}
    return render_page(
        request,
        "accounts/set_up_authenticator.jinja",
        context,
        page_title="Set up your authenticator app",
    )


# -- signed in -------------------------------------------------------------------------------


def _signed_in_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not is_fully_signed_in(request):
        raise PermissionDenied  # the sign-in middleware stops these requests first
    return user


@route(access=Access.STAFF, audit=Audit.NONE)
@require_http_methods(["GET", "POST"])
def choose_role(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    profiles = list(user.active_role_profiles())
    current = acting_role_profile(request)
    initial = {"role": str(current.pk)} if current else {}
    if request.method == "POST":
        form = ChooseRoleForm(request.POST, profiles=profiles)
    else:
        form = ChooseRoleForm(profiles=profiles, initial=initial)
    if form.is_bound and form.is_valid():
        request.session[ACTING_ROLE] = form.cleaned_data["role"]
        chosen = next(p for p in profiles if str(p.pk) == form.cleaned_data["role"])
        messages.success(request, f"You are now working as {chosen}.")
        return _after_sign_in(request)
    hints = {str(p.pk): p.team.name for p in profiles if p.team is not None}
    context = {"form": form, "profiles": profiles, "team_hints": hints}
    return render_page(request, "accounts/choose_role.jinja", context, page_title="Choose a role")


@route(access=Access.STAFF, audit=Audit.NONE)
@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)  # flushes the session: its key no longer works
        messages.success(request, "You have signed out.")
        return redirect("accounts:sign-in")
    return render_page(request, "accounts/sign_out.jinja", page_title="Sign out")
