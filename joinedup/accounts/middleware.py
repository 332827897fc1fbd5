"""Staff pages need a password *and* a second factor; sessions end when idle or too old."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from joinedup.accounts.session import LAST_SEEN_AT, SIGNED_IN_AT, is_fully_signed_in

# Paths that work without a full sign-in. Everything else, including the Django admin, needs
# a password and a second factor. The API authenticates each request with its own token.
PUBLIC_PREFIXES = ("/sign-in", "/healthz", "/static/", "/api/", "/fhir/", "/accessibility")


# How far the recorded time of a session's last request may lag behind (at most a tenth of the
# idle timeout). Recording it on every request would write the session back on every page
# view; instead a session can end up to this much before its idle timeout, never after.
LAST_SEEN_STEP_SECONDS = 60


def last_seen_step() -> float:
    return min(LAST_SEEN_STEP_SECONDS, settings.JOINEDUP_SESSION_IDLE_SECONDS / 10)


class SessionLifetimeMiddleware:
    """End a session after JOINEDUP_SESSION_IDLE_SECONDS idle or the absolute lifetime."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            signed_in = request.session.get(SIGNED_IN_AT, now)
            last_seen = request.session.get(LAST_SEEN_AT, now)
            too_old = now - signed_in > settings.JOINEDUP_SESSION_ABSOLUTE_SECONDS
            idle = now - last_seen > settings.JOINEDUP_SESSION_IDLE_SECONDS
            if too_old or idle:
                logout(request)
                request.session["joinedup.ended"] = "idle" if idle else "expired"
            elif LAST_SEEN_AT not in request.session or now - last_seen >= last_seen_step():
                request.session[LAST_SEEN_AT] = now
        elif SESSION_KEY in request.session:
            # The session names a user who can no longer sign in (deactivated or deleted):
            # end it now, so reactivating the account does not bring it back.
            request.session.flush()
        return self.get_response(request)


class StaffSignInRequiredMiddleware:
    """Redirect to sign-in unless the session has passed both factors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(PUBLIC_PREFIXES) or is_fully_signed_in(request):
            return self.get_response(request)
        return redirect(
            f"{settings.LOGIN_URL_PATH}?{urlencode({'next': request.get_full_path()})}"
            if path != "/"
            else settings.LOGIN_URL_PATH
        )
