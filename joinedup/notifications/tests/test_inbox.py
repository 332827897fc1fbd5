"""The inbox: Sam is told of a new referral to the service he manages, opens his inbox (unread
first), follows the link and marks it read; no one can mark someone else's."""

from __future__ import annotations

from django.urls import reverse

from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import main_text
from joinedup.directory.models import Service
from joinedup.notifications.models import Notification
from joinedup.notifications.services import mark_read, notify
from joinedup.referrals.services import ItemChoice, draft_referral, send_referral

ASSESSMENT = "Adult social care assessment"


def _sent(region: Region) -> None:
    nurse = region.actor("nurse")
    draft = draft_referral(
        actor=nurse,
        person=region.margaret,
        service=Service.objects.get(name=ASSESSMENT),
        reason="Help at home.",
        items=[ItemChoice("about_me")],
    )
    send_referral(actor=nurse, referral=draft)


def test_the_inbox_lists_unread_first_and_marks_one_read(region: Region, sign_in: SignIn) -> None:
    service = Service.objects.get(name=ASSESSMENT)
    service.manager = region.role_profile("social_worker")
    service.save(update_fields=["manager"])
    _sent(region)
    sam = sign_in("social_worker")
    inbox = sam.get(reverse("notifications:inbox"))
    assert f"New referral to {ASSESSMENT}" in main_text(inbox)
    unread = Notification.objects.filter(
        recipient=region.user("social_worker"), read_at__isnull=True
    ).count()
    assert f"{unread} unread message" in main_text(inbox)
    message = Notification.objects.filter(
        recipient=region.user("social_worker"), title=f"New referral to {ASSESSMENT}"
    ).latest("created_at")
    assert message.link in inbox.content.decode()

    assert (
        sign_in("nurse")
        .post(reverse("notifications:mark-read", kwargs={"notification_id": message.pk}))
        .status_code
        == 404
    )  # someone else's

    sam = sign_in("social_worker")
    marked = sam.post(reverse("notifications:mark-read", kwargs={"notification_id": message.pk}))
    assert marked.status_code == 302
    message.refresh_from_db()
    assert message.read_at is not None
    left = "No unread messages." if unread == 1 else f"{unread - 1} unread message"
    assert left in main_text(sam.get(reverse("notifications:inbox")))


def test_unread_messages_come_before_read_ones(region: Region, sign_in: SignIn) -> None:
    sam = region.role_profile("social_worker")
    (older,) = notify(role_profiles=[sam], kind="referral_changed", title="An older message")
    mark_read(user=region.user("social_worker"), notification=older)
    notify(role_profiles=[sam], kind="referral_changed", title="A newer unread message")
    page = main_text(sign_in("social_worker").get(reverse("notifications:inbox")))
    assert page.index("A newer unread message") < page.index("An older message")
