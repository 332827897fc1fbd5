"""The IT administrator's two recovery actions: resetting a lost authenticator app and revoking
an API token. Both are audited, and both take effect at once."""

from __future__ import annotations

import time

from django.test import Client

from joinedup.accounts.models import ApiToken, User
from joinedup.accounts.services import authenticate_api_token, create_api_token
from joinedup.accounts.session import ACTING_ROLE, LAST_SEEN_AT, SECOND_FACTOR_DONE, SIGNED_IN_AT
from joinedup.accounts.tests.test_sign_in import SET_UP, enter_password
from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region


def _as_it_administrator(client: Client, region: Region) -> Client:
    client.force_login(region.user("it_admin"))
    session = client.session
    now = time.time()
    session[SECOND_FACTOR_DONE] = True
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now
    session[ACTING_ROLE] = str(region.role_profile("it_admin").pk)
    session.save()
    return client


def test_a_reset_authenticator_is_set_up_again_at_the_next_sign_in(region: Region) -> None:
    admin = _as_it_administrator(Client(), region)
    nurse = region.user("nurse")

    response = admin.post(
        "/admin/accounts/user/",
        {"action": "reset_authenticator", "_selected_action": [str(nurse.pk)]},
        follow=True,
    )

    assert "Authenticator app reset for nadia.okafor" in response.content.decode()
    nurse.refresh_from_db()
    assert not nurse.has_second_factor
    # The old app's codes no longer work: after the password the nurse must set up a new app.
    after_password = enter_password(Client(), region, "nurse")
    assert after_password["Location"] == SET_UP
    event = AuditEvent.objects.get(action="account.reset_second_factor")
    assert event.user == region.user("it_admin")
    assert event.target_id == str(nurse.pk)


def test_a_revoked_token_stops_working_at_once(region: Region) -> None:
    new = create_api_token(
        user=region.user("nurse"), role_profile=region.role_profile("nurse"), name="test"
    )
    assert authenticate_api_token(new.token) is not None
    admin = _as_it_administrator(Client(), region)

    response = admin.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [str(new.record.pk)]},
        follow=True,
    )

    assert "Revoked 1 token(s)." in response.content.decode()
    assert authenticate_api_token(new.token) is None
    assert ApiToken.objects.get(pk=new.record.pk).revoked_at is not None
    assert AuditEvent.objects.filter(
        action="api_token.revoke", target_id=str(new.record.pk)
    ).exists()


def test_tokens_cannot_be_made_or_edited_in_the_admin(region: Region) -> None:
    admin = _as_it_administrator(Client(), region)
    assert admin.get("/admin/accounts/apitoken/add/").status_code == 403


def test_only_it_administrators_can_reset_an_authenticator(region: Region) -> None:
    nurse_client = Client()
    nurse_client.force_login(region.user("nurse"))
    session = nurse_client.session
    session[SECOND_FACTOR_DONE] = True
    session.save()
    User.objects.filter(pk=region.user("nurse").pk).update(is_staff=True)

    nurse_client.post(
        "/admin/accounts/user/",
        {"action": "reset_authenticator", "_selected_action": [str(region.user("gp").pk)]},
    )

    gp = region.user("gp")
    gp.refresh_from_db()
    assert gp.has_second_factor


def test_the_it_administrator_can_manage_accounts_and_the_directory(region: Region) -> None:
    admin = _as_it_administrator(Client(), region)
    for page in (
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/roleprofile/",
        "/admin/directory/organisation/",
        "/admin/directory/organisation/add/",
        "/admin/directory/practitioner/",
        "/admin/accounts/apitoken/",
    ):
        assert admin.get(page).status_code == 200, page
    # Accounts are deactivated, never deleted: the audit trail keeps naming them.
    nurse = region.user("nurse")
    assert admin.get(f"/admin/accounts/user/{nurse.pk}/delete/").status_code == 403
