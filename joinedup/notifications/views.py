"""The inbox: my notifications, unread first, each linking to what it is about, and marking
one as read. Notifications name no person (their titles say what happened, their links open
pages that go through the access policy), so reading them is not audited."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.routes import Access, Audit, route
from joinedup.notifications.selectors import inbox_for, unread_count
from joinedup.notifications.services import mark_read

INBOX_LIMIT = 100


@route(access=Access.STAFF, audit=Audit.NONE)
@needs_actor
def inbox(request: HttpRequest) -> HttpResponse:
    user = actor_for(request).user
    assert user is not None  # noqa: S101 - a staff actor always has a user
    return render_page(
        request,
        "notifications/inbox.jinja",
        {"notifications": list(inbox_for(user)[:INBOX_LIMIT]), "unread": unread_count(user)},
        page_title="Inbox",
    )


@route(access=Access.STAFF, audit=Audit.NONE)
@require_POST
@needs_actor
def mark_as_read(request: HttpRequest, notification_id: uuid.UUID) -> HttpResponse:
    user = actor_for(request).user
    assert user is not None  # noqa: S101
    # Someone else's notification is not found, the same as one that does not exist.
    notification = inbox_for(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404
    mark_read(user=user, notification=notification)
    return redirect("notifications:inbox")
