"""What the session remembers about a staff sign-in: the stage reached and the acting role."""

from __future__ import annotations

import time

from django.http import HttpRequest

from joinedup.accounts.models import RoleProfile, User

SIGNED_IN_AT = "joinedup.signed_in_at"
LAST_SEEN_AT = "joinedup.last_seen_at"
SECOND_FACTOR_DONE = "joinedup.second_factor_done"
PASSWORD_USER = "joinedup.password_user"  # noqa: S105 - a session key, not a password
ACTING_ROLE = "joinedup.acting_role"


def mark_fully_signed_in(request: HttpRequest) -> None:
    now = time.time()
    request.session[SECOND_FACTOR_DONE] = True
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def is_fully_signed_in(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and request.session.get(SECOND_FACTOR_DONE))


def acting_role_profile(request: HttpRequest) -> RoleProfile | None:
    """The role profile the user is acting in, if it is still one of theirs and current."""
    user = request.user
    if not isinstance(user, User):
        return None
    role_id = request.session.get(ACTING_ROLE)
    profiles = user.active_role_profiles()
    if role_id:
        chosen = profiles.filter(pk=role_id).first()
        if chosen is not None:
            return chosen
    only = list(profiles[:2])
    if len(only) == 1:
        request.session[ACTING_ROLE] = str(only[0].pk)
        return only[0]
    return None
