"""Telling people: a row in each recipient's inbox and an e-mail through Django's e-mail
backend (the console in the demo). E-mails name no patient: the link opens joinedup, where the
access policy and the audit trail apply."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from joinedup.accounts.models import RoleProfile, User
from joinedup.notifications.models import Notification

logger = logging.getLogger(__name__)


def notify(
    *,
    role_profiles: Iterable[RoleProfile],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    email_body: str = "",
) -> list[Notification]:
    """Put a notification in the inbox of each role profile's user (once per user) and e-mail
    them after the transaction commits. `email_body` must not name the person."""
    made: list[Notification] = []
    seen: set[object] = set()
    for profile in role_profiles:
        user: User | None = profile.practitioner.user
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        made.append(
            Notification(
                recipient=user, role_profile=profile, kind=kind, title=title, body=body, link=link
            )
        )
    Notification.objects.bulk_create(made)
    addresses = sorted({n.recipient.email for n in made if n.recipient.email})
    if addresses:
        text = email_body or f"{title}.\n\nSign in to joinedup to see it."
        transaction.on_commit(lambda: _email(title, text, addresses))
    return made


def _email(subject: str, text: str, addresses: list[str]) -> None:
    # A mail failure must never undo what was done; the inbox still has it.
    try:
        send_mail(
            subject=f"joinedup: {subject}",
            message=text,
            from_email=None,
            recipient_list=addresses,
        )
    except Exception:
        logger.exception("Could not send the e-mail %r", subject)


def mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise PermissionError("That notification is someone else's.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification
