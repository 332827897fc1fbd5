"""Audit completeness (QUALITY.md): exactly one audit event per read or write of person data,
through the pages and through the API, each saying who (user, role profile, organisation), what
(action), whose record, why (basis), with what outcome and through which channel. Refused reads
count too. Signing in is not an access to anyone's record and writes no event.

A write page reached by a valid form writes only the service's event (the page opens the person
without auditing a read, people.selectors.open_for_change); a page shown instead is one read."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.accounts.services import create_api_token
from joinedup.accounts.tests.test_sign_in import sign_in_fully
from joinedup.audit.models import AuditEvent, Outcome
from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import form_value
from joinedup.people.models import Person
from joinedup.people.tests.test_register_and_details_pages import details_as_shown
from joinedup.sharing.policy import Action, Basis

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

API = "/api/v1"


def last_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def events_since(start: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=start).order_by("pk"))


@dataclass(frozen=True)
class Expected:
    action: str
    person: Person | None
    basis: str
    outcome: str = Outcome.ALLOWED
    channel: str = "web"


def assert_one_event(region: Region, key: str, start: int, expected: Expected) -> AuditEvent:
    """Exactly one event since `start`, by this persona in their usual role, as expected."""
    events = events_since(start)
    assert len(events) == 1, f"{len(events)} events: {[e.action for e in events]}"
    [event] = events
    profile = region.role_profile(key)
    assert (event.user, event.role_profile, event.organisation) == (
        region.user(key),
        profile,
        profile.organisation,
    )
    assert (event.action, event.person, event.basis, event.outcome, event.channel) == (
        expected.action,
        expected.person,
        expected.basis,
        expected.outcome,
        expected.channel,
    )
    return event


ApiGet = Callable[[str, str], "TestResponse"]


@pytest.fixture
def api_get(client: Client, region: Region) -> ApiGet:
    """api_get("nurse", "/people/…"): one API call with a fresh token for the persona. The
    token is made before the caller counts events, and making one writes none."""

    def get(key: str, path: str) -> TestResponse:
        token = create_api_token(
            user=region.user(key), role_profile=region.role_profile(key), name="tests"
        ).token
        return client.get(API + path, headers={"Authorization": f"Bearer {token}"})

    return get


def _page(person: Person, name: str) -> str:
    return reverse(f"people:{name}", kwargs={"person_id": person.pk})


# -- reads through the pages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("summary", Action.VIEW_PERSON),
        ("about-me-history", Action.VIEW_PERSON),
        ("care-team-history", Action.VIEW_PERSON),
        ("access-log", Action.VIEW_ACCESS_LOG),
    ],
)
def test_each_page_of_a_record_is_one_event(
    sign_in: SignIn, region: Region, name: str, action: Action
) -> None:
    client = sign_in("nurse")
    start = last_id()

    response = client.get(_page(region.margaret, name))

    assert response.status_code == 200
    assert_one_event(region, "nurse", start, Expected(action, region.margaret, Basis.CARE_TEAM))


def test_the_search_page_is_one_event_and_showing_the_form_is_none(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    start = last_id()
    assert client.get(reverse("people:search")).status_code == 200
    assert events_since(start) == []

    response = client.post(
        reverse("people:search"),
        {"search_by": "nhs_number", "nhs_number": region.margaret.nhs_number},
    )

    assert response.status_code == 200
    event = assert_one_event(region, "nurse", start, Expected("person.search", region.margaret, ""))
    assert event.reason == "Searched by NHS number: 1 found."


@pytest.mark.parametrize("name", ["summary", "access-log"])
def test_a_refused_read_is_one_denied_event(sign_in: SignIn, region: Region, name: str) -> None:
    client = sign_in("outsider")
    start = last_id()

    response = client.get(_page(region.margaret, name))

    assert response.status_code == 404
    action = Action.VIEW_ACCESS_LOG if name == "access-log" else Action.VIEW_PERSON
    event = assert_one_event(
        region, "outsider", start, Expected(action, region.margaret, "", Outcome.DENIED)
    )
    assert "no basis" in event.reason


def test_a_read_of_no_one_is_one_denied_event_without_a_person(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    missing = uuid.uuid4()
    start = last_id()

    assert client.get(f"/people/{missing}/").status_code == 404

    event = assert_one_event(
        region, "nurse", start, Expected(Action.VIEW_PERSON, None, "", Outcome.DENIED)
    )
    assert event.target_id == str(missing)


# -- reads through the API ------------------------------------------------------------------------


def test_the_api_search_is_one_event(region: Region, api_get: ApiGet) -> None:
    start = last_id()
    response = api_get("nurse", f"/people?nhs_number={region.margaret.nhs_number}")
    assert response.status_code == 200
    assert_one_event(
        region, "nurse", start, Expected("person.search", region.margaret, "", channel="api")
    )


@pytest.mark.parametrize(
    ("suffix", "action"), [("", Action.VIEW_PERSON), ("/access-log", Action.VIEW_ACCESS_LOG)]
)
def test_each_api_read_of_a_record_is_one_event(
    region: Region, api_get: ApiGet, suffix: str, action: Action
) -> None:
    start = last_id()
    response = api_get("gp", f"/people/{region.margaret.pk}{suffix}")
    assert response.status_code == 200
    event = events_since(start)[0]
    assert_one_event(
        region, "gp", start, Expected(action, region.margaret, event.basis, channel="api")
    )
    assert event.basis in {Basis.CARE_TEAM, Basis.SAME_ORGANISATION}


@pytest.mark.parametrize("suffix", ["", "/access-log"])
def test_a_refused_api_read_is_one_denied_event(
    region: Region, api_get: ApiGet, suffix: str
) -> None:
    start = last_id()
    response = api_get("outsider", f"/people/{region.margaret.pk}{suffix}")
    assert response.status_code == 404
    action = Action.VIEW_ACCESS_LOG if suffix else Action.VIEW_PERSON
    assert_one_event(
        region,
        "outsider",
        start,
        Expected(action, region.margaret, "", Outcome.DENIED, channel="api"),
    )


def test_an_invalid_api_request_reaches_no_record_and_writes_no_event(
    region: Region, api_get: ApiGet
) -> None:
    start = last_id()
    assert api_get("nurse", "/people?nhs_number=123").status_code == 400
    assert api_get("nurse", f"/people/{region.margaret.pk}/access-log?page=0").status_code == 400
    assert events_since(start) == []


# -- writes ---------------------------------------------------------------------------------------


def test_changing_a_persons_details_is_one_event(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")
    form = details_as_shown(client, region.margaret)
    start = last_id()

    response = client.post(
        _page(region.margaret, "details-edit"), form | {"phone": "01632 960 111"}
    )

    assert response.status_code == 302
    event = assert_one_event(
        region, "nurse", start, Expected("person.edit", region.margaret, Basis.CARE_TEAM)
    )
    assert event.reason == "Changed: phone"


def test_updating_about_me_is_one_event(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")
    latest = client.get(_page(region.margaret, "about-me-edit"))
    assert latest.status_code == 200
    start = last_id()

    response = client.post(
        _page(region.margaret, "about-me-edit"),
        {"based_on": form_value(latest, "based_on"), "please_do": "Knock twice and wait."},
    )

    assert response.status_code == 302
    assert_one_event(
        region, "nurse", start, Expected("about_me.edit", region.margaret, Basis.CARE_TEAM)
    )


def test_a_write_page_with_a_mistake_is_one_read(sign_in: SignIn, region: Region) -> None:
    """When the service is not reached (the form has a mistake), the page shown again is the
    access: one read, and no write."""
    client = sign_in("nurse")
    form = details_as_shown(client, region.margaret)
    start = last_id()

    client.post(_page(region.margaret, "details-edit"), form | {"postcode": "not a postcode"})

    assert [(e.action, e.basis) for e in events_since(start)] == [
        (Action.VIEW_PERSON, Basis.CARE_TEAM)
    ]


def test_withdrawing_an_objection_on_its_page_is_one_event(sign_in: SignIn, region: Region) -> None:
    from joinedup.sharing.models import ExpressedHow
    from joinedup.sharing.services import record_choice

    objection = record_choice(
        actor=region.actor("nurse"),
        person=region.margaret,
        kind="objection",
        category="mental_health",
        expressed_how=ExpressedHow.SPOKEN,
    )
    client = sign_in("nurse")
    start = last_id()

    response = client.post(
        reverse(
            "people:choice-withdraw",
            kwargs={"person_id": region.margaret.pk, "choice_id": objection.pk},
        ),
        {"reason": "Peggy has changed her mind."},
    )

    assert response.status_code == 302
    assert_one_event(
        region, "nurse", start, Expected("choice.withdraw", region.margaret, Basis.CARE_TEAM)
    )


# -- pages that show more than one person ---------------------------------------------------------


def test_the_summary_audits_each_possible_duplicate_it_names_against_that_record(
    sign_in: SignIn, region: Region
) -> None:
    """Margaret has a possible duplicate at her GP practice that the GP may see: her summary
    names it, which is a read of that other record, audited on that record's own log."""
    start = last_id()

    sign_in("gp").get(_page(region.margaret, "summary"))

    viewed, listed = events_since(start)
    assert (viewed.action, viewed.person) == (Action.VIEW_PERSON, region.margaret)
    assert listed.action == "person.possible_duplicate.view"
    assert listed.person is not None and listed.person != region.margaret
    assert listed.person.full_name == region.margaret.full_name


# -- a working session ----------------------------------------------------------------------------


def test_the_audit_event_count_equals_the_number_of_accesses(
    region: Region, api_get: ApiGet
) -> None:
    """Four people sign in (no events) and make varied reads, allowed and refused, on the web
    and the API: one event for each record each of them opened."""
    margaret = region.margaret
    clients = {key: Client() for key in ("nurse", "gp", "discharge", "outsider")}
    start = last_id()
    for key, client in clients.items():
        landing = sign_in_fully(client, region, key)
        assert landing["Location"] == "/", f"{key} has to choose a role"
    assert events_since(start) == [], "signing in is not an access to anyone's record"

    def page(key: str, name: str) -> Callable[[], int]:
        return lambda: clients[key].get(_page(margaret, name)).status_code

    def api(key: str, path: str) -> Callable[[], int]:
        return lambda: api_get(key, path).status_code

    def search(key: str) -> Callable[[], int]:
        form = {"search_by": "nhs_number", "nhs_number": margaret.nhs_number}
        return lambda: clients[key].post(reverse("people:search"), form).status_code

    # (who, the access, how many records it reads: the GP's summary also names a possible
    # duplicate record of Margaret's, a second record read)
    accesses: list[tuple[str, Callable[[], int], int]] = [
        ("nurse", lambda: clients["nurse"].get("/").status_code, 1),  # My people
        ("nurse", page("nurse", "summary"), 1),
        ("nurse", page("nurse", "access-log"), 1),
        ("nurse", search("nurse"), 1),
        ("gp", page("gp", "summary"), 2),
        ("gp", page("gp", "about-me-history"), 1),
        ("gp", page("gp", "care-team-history"), 1),
        ("discharge", page("discharge", "summary"), 1),
        ("outsider", page("outsider", "summary"), 1),
        ("outsider", page("outsider", "access-log"), 1),
        ("outsider", search("outsider"), 1),
        ("nurse", api("nurse", f"/people/{margaret.pk}"), 1),
        ("gp", api("gp", f"/people/{margaret.pk}/access-log"), 1),
        ("outsider", api("outsider", f"/people/{margaret.pk}"), 1),
        ("discharge", api("discharge", f"/people?nhs_number={margaret.nhs_number}"), 1),
    ]
    start = last_id()
    statuses = [access() for _, access, _ in accesses]

    events = events_since(start)
    expected_users = [region.user(key) for key, _, reads in accesses for _ in range(reads)]
    assert len(events) == sum(reads for _, _, reads in accesses) == 16, [e.action for e in events]
    assert [event.user for event in events] == expected_users
    assert statuses.count(404) == 3
    assert sum(event.outcome == Outcome.DENIED for event in events) == 3
    assert {event.channel for event in events[-4:]} == {"api"}
