"""Bearer-token authentication for /api/v1/: each token acts as one user in one role profile.

A valid token puts an Actor (channel "api") on the request; selectors take it from there, so
the API reads people through exactly the same policy as the web pages. Tokens travel in a
header, never a cookie, so there is no CSRF to guard against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from joinedup.accounts.models import ApiToken
from joinedup.accounts.services import authenticate_api_token
from joinedup.sharing.actors import Actor

# Recording every use would be a write per request; once a minute is enough to see which
# tokens are alive.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True)
class ApiCaller:
    token: ApiToken
    actor: Actor


def note_token_use(token: ApiToken) -> None:
    """Update last_used_at, at most once a minute per token (also across processes)."""
    now = timezone.now()
    stale = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=token.pk
    ).update(last_used_at=now)
    token.last_used_at = now


def actor_for_token(record: ApiToken, *, channel: str) -> Actor:
    """Who a live token acts as: its user in its role profile, or its organisation's system."""
    if record.client is not None:
        return Actor.system_client(record.client, channel=channel)
    assert record.user is not None and record.role_profile is not None  # noqa: S101 - constraint
    return Actor.staff(record.user, record.role_profile, channel=channel)


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiCaller | None:
        token = token.strip()
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        record = authenticate_api_token(token)
        if record is None:
            return None
        note_token_use(record)
        actor = actor_for_token(record, channel="api")
        request.actor = actor  # type: ignore[attr-defined]
        return ApiCaller(token=record, actor=actor)


def caller_of(request: HttpRequest) -> ApiCaller:
    """The authenticated caller of an operation (ninja sets request.auth after ApiTokenAuth)."""
    caller = getattr(request, "auth", None)
    if not isinstance(caller, ApiCaller):
        raise AuthenticationError
    return caller


def actor_of(request: HttpRequest) -> Actor:
    return caller_of(request).actor
