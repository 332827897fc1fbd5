"""Reading my inbox. Notifications belong to their recipient and name no more than their
titles; opening one follows its link through the access policy."""

from __future__ import annotations

from django.db.models import F, QuerySet

from joinedup.accounts.models import User
from joinedup.notifications.models import Notification


def inbox_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by(F("read_at").asc(nulls_first=True), "-created_at")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
