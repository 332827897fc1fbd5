"""A person's access log page: every time someone opened or changed the record, newest first,
who (name, role, organisation), what in plain words, on what basis and with what outcome.
Reading it is itself audited; disclosures under a serious-harm exemption stay out of it; it
costs the same number of queries however long the log is."""

from __future__ import annotations

import ast
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.tests.test_sign_in import fresh_code
from joinedup.audit.models import AuditEvent, Outcome
from joinedup.audit.selectors import (
    ACTION_WORDS,
    BASIS_WORDS,
    access_log_events,
    access_log_for,
)
from joinedup.audit.services import record_event
from joinedup.conftest import Region, SignIn
from joinedup.core.errors import NotFound
from joinedup.core.tests.pages import main_text, table_rows
from joinedup.people.selectors import get_person_for, person_summary_for
from joinedup.sharing.models import BreakGlassReason, Disclosure, DisclosureBasis
from joinedup.sharing.policy import Action, Basis, decide
from joinedup.sharing.services import end_disclosure_exemption, record_disclosure, start_break_glass

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

EXPLANATION = (
    "Every time someone opens or changes this record it is listed here. "
    "The person can see this list too."
)
CAPTION = "Times Peggy's record was opened or changed"
PACKAGE = Path(__file__).resolve().parents[2]


def log_url(person_id: object) -> str:
    return reverse("people:access-log", kwargs={"person_id": person_id})


def rows_of(response: TestResponse) -> list[str]:
    """The log's rows, without the heading row."""
    return table_rows(response, CAPTION)[1:]


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# -- what the page shows -------------------------------------------------------------------------


def test_the_nurse_sees_who_opened_margarets_record_in_plain_words(
    sign_in: SignIn, region: Region
) -> None:
    person_summary_for(region.actor("gp"), region.margaret.pk)

    response = sign_in("nurse").get(log_url(region.margaret.pk))

    assert response.status_code == 200
    text = main_text(response)
    assert "Who has opened this record" in text
    assert EXPLANATION in text
    newest, gp_read = rows_of(response)[:2]
    # Looking at the log is the first line of it.
    assert "Nadia Okafor" in newest
    assert "Community nurse, Calderbridge Community Health NHS Trust" in newest
    assert "Looked at this list of who has opened the record" in newest
    assert "In the care team" in newest and "Direct care" in newest and "Allowed" in newest
    assert "Priya Shah" in gp_read
    assert "GP, Riverside Medical Practice" in gp_read
    assert "Opened the record" in gp_read
    gp_basis = decide(region.actor("gp"), Action.VIEW_PERSON, region.margaret).basis
    assert gp_basis is not None
    assert BASIS_WORDS[gp_basis] in gp_read


def test_the_log_has_the_columns_a_reader_needs(sign_in: SignIn, region: Region) -> None:
    heading = table_rows(sign_in("nurse").get(log_url(region.margaret.pk)), CAPTION)[0]
    assert heading == (
        "When Who Role and organisation What they did Why they had access Purpose Outcome Reason"
    )


def test_a_refused_attempt_is_listed_as_denied_with_the_reason(
    sign_in: SignIn, region: Region
) -> None:
    response = sign_in("outsider").get(f"/people/{region.margaret.pk}/")
    assert response.status_code == 404

    refused = rows_of(sign_in("nurse").get(log_url(region.margaret.pk)))[1]

    assert "Colin Firth" in refused
    assert "Care worker, Oakfield House" in refused
    assert "Opened the record" in refused
    assert "Denied" in refused
    assert "no basis to see this person's record" in refused


def test_emergency_access_shows_its_reason_in_the_log(region: Region) -> None:
    manager = region.actor("care_home_manager")
    assert not decide(manager, Action.VIEW_PERSON, region.margaret).allowed
    start_break_glass(
        actor=manager,
        person_id=region.margaret.pk,
        reason_code=BreakGlassReason.EMERGENCY_CARE,
        reason="Found collapsed in our day room; the ambulance crew need her history.",
        confirmed=True,
        second_factor_code=fresh_code(region.user("care_home_manager")),
    )
    get_person_for(manager, region.margaret.pk)

    log = access_log_for(region.actor("nurse"), region.margaret.pk)

    opened, started = log.entries[1], log.entries[2]
    assert (started.action, started.basis) == (
        "Used emergency access (break-glass)",
        "Emergency access (break-glass)",
    )
    assert "the ambulance crew need her history" in started.reason
    assert (opened.action, opened.basis_code) == ("Opened the record", Basis.BREAK_GLASS)
    assert "the ambulance crew need her history" in opened.reason
    assert opened.user_name == "Grace Mensah"


def _disclose(region: Region, *, exemption: bool) -> uuid.UUID:
    disclosure = record_disclosure(
        actor=region.actor("social_worker"),
        person=region.margaret,
        basis=DisclosureBasis.SERIOUS_HARM,
        reason="Threats made against her by a visitor; the police need to know now.",
        what_was_shared="Her address and the visitor's description",
        categories=["safeguarding"],
        shared_with_description="Calderbridge Police public protection unit",
        not_told_reason="" if exemption else "She will be told at the next visit.",
        serious_harm_exemption=exemption,
        exemption_reason="Telling her now would put her at risk from the visitor."
        if exemption
        else "",
        exemption_review_on=timezone.localdate() + timedelta(days=28) if exemption else None,
    )
    return disclosure.pk


def test_a_disclosure_under_a_serious_harm_exemption_is_left_out_until_reviewed(
    region: Region,
) -> None:
    hidden = _disclose(region, exemption=True)
    shown = _disclose(region, exemption=False)
    nurse = region.actor("nurse")

    def disclosures_in_log() -> list[str]:
        events = access_log_events(region.margaret).filter(target_type="Disclosure")
        return sorted(events.values_list("target_id", flat=True))

    assert disclosures_in_log() == [str(shown)]
    assert AuditEvent.objects.filter(target_id=str(hidden)).exists()  # recorded, not shown
    log = access_log_for(nurse, region.margaret.pk, per_page=100)
    assert [entry.action for entry in log.entries].count("Recorded sharing without consent") == 1
    assert log.page.paginator.count == access_log_events(region.margaret).count()

    end_disclosure_exemption(
        actor=region.actor("privacy_officer"),
        disclosure=Disclosure.objects.get(pk=hidden),
        notes="The visitor is banned; she can now be told.",
    )

    assert disclosures_in_log() == sorted([str(shown), str(hidden), str(hidden)])
    reviewed = access_log_for(nurse, region.margaret.pk).entries[1]
    assert reviewed.action == "Reviewed a decision to share without consent"
    assert reviewed.basis == "Information governance review"
    assert reviewed.user_name == "Helen Park"


def test_the_log_shows_only_this_persons_events_newest_first(region: Region) -> None:
    person_summary_for(region.actor("nurse"), region.fatima.pk)
    log = access_log_for(region.actor("nurse"), region.margaret.pk, per_page=100)
    times = [entry.occurred_at for entry in log.entries]
    assert times == sorted(times, reverse=True)
    assert log.page.paginator.count == AuditEvent.objects.filter(person=region.margaret).count()


# -- who may read it ------------------------------------------------------------------------------


def test_the_outsider_gets_the_same_not_found_page_as_for_no_one(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("outsider")
    start = last_audit_id()

    forbidden = client.get(log_url(region.margaret.pk))
    missing = client.get(log_url(uuid.uuid4()))

    assert forbidden.status_code == missing.status_code == 404
    assert main_text(forbidden) == main_text(missing)
    assert "Margaret" not in main_text(forbidden)
    refused = AuditEvent.objects.get(pk__gt=start, person=region.margaret)
    assert (refused.action, refused.outcome) == (Action.VIEW_ACCESS_LOG, Outcome.DENIED)


def test_emergency_access_opens_the_record_but_not_its_log(region: Region) -> None:
    manager = region.actor("care_home_manager")
    start_break_glass(
        actor=manager,
        person_id=region.margaret.pk,
        reason_code=BreakGlassReason.EMERGENCY_CARE,
        reason="Found collapsed in our day room; the ambulance crew need her history.",
        confirmed=True,
        second_factor_code=fresh_code(region.user("care_home_manager")),
    )
    assert decide(manager, Action.VIEW_PERSON, region.margaret).allowed
    with pytest.raises(NotFound):
        access_log_for(manager, region.margaret.pk)


# -- filter and pages -----------------------------------------------------------------------------


def _fill_log(region: Region, count: int) -> None:
    gp = region.actor("gp")
    for _ in range(count):
        record_event(
            actor=gp,
            action=Action.VIEW_PERSON,
            target_type="Person",
            target_id=region.margaret.pk,
            person=region.margaret,
            basis=Basis.CARE_TEAM,
            reason="Allowed because you are in this person's care team.",
        )


def test_a_long_log_comes_a_page_at_a_time(sign_in: SignIn, region: Region) -> None:
    _fill_log(region, 30)
    client = sign_in("nurse")
    total = AuditEvent.objects.filter(person=region.margaret).count() + 1  # and this look

    first = client.get(log_url(region.margaret.pk))
    second = client.get(log_url(region.margaret.pk), {"page": "2"})

    assert len(rows_of(first)) == 25
    assert f"Showing 1 to 25 of {total} times the record was opened or changed." in main_text(first)
    assert 'href="?page=2"' in first.content.decode()
    # The second look is in the log too, so one more row has moved on to page 2.
    assert f"Showing 26 to {min(50, total + 1)} of {total + 1} times" in main_text(second)
    assert rows_of(second)[0] == rows_of(first)[-2]


def test_the_log_can_be_narrowed_to_one_organisation(sign_in: SignIn, region: Region) -> None:
    person_summary_for(region.actor("gp"), region.margaret.pk)
    practice = region.role_profile("gp").organisation
    client = sign_in("nurse")

    everything = client.get(log_url(region.margaret.pk))
    assert f'<option value="{practice.pk}"' in everything.content.decode()
    narrowed = client.get(log_url(region.margaret.pk), {"organisation": str(practice.pk)})

    rows = rows_of(narrowed)
    assert rows
    assert all("Riverside Medical Practice" in row for row in rows)
    assert "Show every organisation" in main_text(narrowed)


def test_an_organisation_not_in_the_log_is_explained_not_ignored(
    sign_in: SignIn, region: Region
) -> None:
    response = sign_in("nurse").get(log_url(region.margaret.pk), {"organisation": "nonsense"})
    assert response.status_code == 200
    assert "Select organisation from the list" in main_text(response)
    # An invalid filter shows its error and no rows, never everything.
    assert 'name="organisation"' in response.content.decode()
    assert table_rows(response) == []


def test_the_page_costs_the_same_queries_however_long_the_log(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    client.get(log_url(region.margaret.pk))  # sessions and caches settle

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(log_url(region.margaret.pk))
        assert response.status_code == 200
        return len(captured)

    short = queries()
    _fill_log(region, 40)
    assert queries() == short


# -- words for every action -----------------------------------------------------------------------


def test_every_action_of_the_policy_and_every_basis_has_plain_words() -> None:
    assert {action.value for action in Action} <= ACTION_WORDS.keys()
    assert {basis.value for basis in Basis} <= BASIS_WORDS.keys()


def _actions_audited_against_a_person() -> set[str]:
    """The action codes written literally in record_event(..., person=...) calls."""
    codes = set()
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record_event"):
                continue
            arguments = {keyword.arg: keyword.value for keyword in node.keywords}
            action = arguments.get("action")
            if "person" in arguments and isinstance(action, ast.Constant):
                codes.add(str(action.value))
    return codes


def test_every_action_audited_against_a_person_has_plain_words() -> None:
    """A new audited action without words would show its code to the person."""
    audited = _actions_audited_against_a_person()
    assert {"person.search", "break_glass.start", "sharing.view"} <= audited  # the scan works
    assert audited - ACTION_WORDS.keys() == set()
