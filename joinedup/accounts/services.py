"""Signing in: password with lockout, then a TOTP second factor that cannot be replayed; API
tokens; and the IT administrator's resets and revocations, which are audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from joinedup.accounts.models import (
    ApiClient,
    ApiToken,
    ClientScope,
    RoleProfile,
    SignInFailure,
    User,
)
from joinedup.audit.services import record_event
from joinedup.directory.models import Organisation
from joinedup.sharing.actors import Actor

SIGN_IN_REFUSED = "Enter a correct username and password. After several wrong tries you must wait before you can try again."
TOTP_STEP_SECONDS = 30


def _username_key(username: str) -> str:
    return username.strip().lower()[:150]


def is_locked_out(username: str) -> bool:
    """Too many recent failures for this username, whether or not such a user exists."""
    window = timezone.now() - timedelta(seconds=settings.JOINEDUP_SIGN_IN_LOCKOUT_SECONDS)
    failures = SignInFailure.objects.filter(
        username_key=_username_key(username), failed_at__gte=window
    ).count()
    return failures >= settings.JOINEDUP_SIGN_IN_MAX_FAILURES


def record_sign_in_failure(username: str, *, stage: str) -> None:
    SignInFailure.objects.create(username_key=_username_key(username), stage=stage)


def clear_sign_in_failures(username: str) -> None:
    SignInFailure.objects.filter(username_key=_username_key(username)).delete()


def check_password(request: HttpRequest, *, username: str, password: str) -> User | None:
    """The user if the password is right and the account is not locked out; otherwise None.

    Known and unknown usernames get the same answer and the same lockout, so the form cannot be
    used to find out who has an account."""
    if is_locked_out(username):
        # Still hash the password, as a real check would, so a locked account answers in the
        # same time as any other refusal.
        make_password(password)
        return None
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        record_sign_in_failure(username, stage="password")
        return None
    return user


@transaction.atomic
def verify_second_factor(*, user: User, code: str) -> bool:
    """Accept a current TOTP code once: a code (time step) already used is refused, so an
    overheard code cannot be replayed. Failures count towards the same lockout."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.totp_secret or is_locked_out(locked.username):
        return False
    totp = pyotp.TOTP(locked.totp_secret)
    now = timezone.now()
    cleaned = "".join(ch for ch in code if ch.isdigit())
    for offset in (0, -1, 1):  # allow one step of clock drift either way
        at = now + timedelta(seconds=offset * TOTP_STEP_SECONDS)
        step = int(at.timestamp()) // TOTP_STEP_SECONDS
        if step > locked.totp_last_step and secrets.compare_digest(totp.at(at), cleaned):
            locked.totp_last_step = step
            fields = ["totp_last_step"]
            if locked.totp_confirmed_at is None:
                locked.totp_confirmed_at = now
                fields.append("totp_confirmed_at")
            locked.save(update_fields=fields)
            user.totp_last_step = locked.totp_last_step
            user.totp_confirmed_at = locked.totp_confirmed_at
            clear_sign_in_failures(locked.username)
            return True
    record_sign_in_failure(locked.username, stage="second_factor")
    return False


def start_authenticator_setup(*, user: User) -> str:
    """Give a user without a confirmed second factor a new secret to add to their app."""
    if user.has_second_factor:
        raise ValueError("This account already has an authenticator app.")
    user.totp_secret = pyotp.random_base32()
    user.save(update_fields=["totp_secret"])
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(
        name=user.username, issuer_name=settings.JOINEDUP_TOTP_ISSUER
    )


@dataclass(frozen=True)
class NewToken:
    token: str
    record: ApiToken


def digest_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(
    *, user: User, role_profile: RoleProfile, name: str, lifetime_days: int | None = 90
) -> NewToken:
    """Issue a bearer token for the API acting as this user in this role profile.
    The token is returned once; only its digest is kept."""
    if role_profile.practitioner.user_id != user.pk:
        raise ValueError("That role profile is not this user's.")
    token = "jdu_" + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=lifetime_days) if lifetime_days else None
    record = ApiToken.objects.create(
        name=name,
        user=user,
        role_profile=role_profile,
        digest=digest_token(token),
        prefix=token[:10],
        expires_at=expires,
    )
    return NewToken(token=token, record=record)


def register_api_client(
    *, name: str, organisation: Organisation, scopes: Sequence[str]
) -> ApiClient:
    """Register a partner organisation's system, or change the scopes of one already
    registered to the same organisation under that name."""
    unknown = sorted(set(scopes) - set(ClientScope.values))
    if unknown:
        raise ValueError(
            f"Unknown scope {', '.join(unknown)}: choose from {', '.join(ClientScope.values)}."
        )
    if not scopes:
        raise ValueError("Give the client at least one scope.")
    client = ApiClient.objects.filter(name=name).first()
    if client is not None and client.organisation_id != organisation.pk:
        raise ValueError(
            f"A client called {name!r} is already registered to {client.organisation.name}."
        )
    if client is None:
        client = ApiClient.objects.create(
            name=name, organisation=organisation, scopes=sorted(set(scopes))
        )
    else:
        client.scopes = sorted(set(scopes))
        client.revoked_at = None
        client.save(update_fields=["scopes", "revoked_at", "updated_at"])
    return client


def create_client_token(*, client: ApiClient, lifetime_days: int | None = 90) -> NewToken:
    """Issue a bearer token for a registered system client, shown once."""
    token = "jdc_" + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=lifetime_days) if lifetime_days else None
    record = ApiToken.objects.create(
        name=f"{client.name} (system)"[:100],
        client=client,
        digest=digest_token(token),
        prefix=token[:10],
        expires_at=expires,
    )
    return NewToken(token=token, record=record)


def authenticate_api_token(token: str) -> ApiToken | None:
    """The live token record for a bearer token, or None if unknown, revoked or expired (or
    its user inactive, its role profile ended, or its client revoked)."""
    record = (
        ApiToken.objects.select_related(
            "user",
            "role_profile__organisation",
            "role_profile__practitioner",
            "client__organisation",
        )
        .filter(digest=digest_token(token), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if record is None:
        return None
    if record.expires_at is not None and record.expires_at <= now:
        return None
    if record.client is not None:
        return record if record.client.revoked_at is None else None
    if record.user is None or record.role_profile is None or not record.user.is_active:
        return None
    ends_on = record.role_profile.ends_on
    if ends_on is not None and ends_on < timezone.localdate():
        return None
    return record


def _admin_actor(by: User) -> Actor:
    return Actor(label=f"{by.get_full_name() or by.username} (IT administrator)", user=by)


@transaction.atomic
def reset_second_factor(*, user: User, by: User) -> None:
    """Forget a user's authenticator app, for example after a lost phone. At their next sign-in,
    after their password, they are asked to set up a new app. The IT administrator must confirm
    who is asking before doing this; the reset is audited."""
    User.objects.filter(pk=user.pk).update(totp_secret="", totp_confirmed_at=None)
    user.totp_secret = ""
    user.totp_confirmed_at = None
    clear_sign_in_failures(user.username)
    record_event(
        actor=_admin_actor(by),
        action="account.reset_second_factor",
        target_type="user",
        target_id=user.pk,
        reason=f"Authenticator app reset for {user.username}",
    )


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User) -> bool:
    """Stop a token working from now on. False if it was already revoked. Audited."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not revoked:
        return False
    token.refresh_from_db(fields=["revoked_at"])
    record_event(
        actor=_admin_actor(by),
        action="api_token.revoke",
        target_type="api_token",
        target_id=token.pk,
        reason=f"Token {token.prefix}… of "
        f"{token.user.username if token.user else token.client} revoked",
    )
    return True
