"""A partner organisation's own system, connected as that organisation: created with
`joinedup create-api-token --client … --organisation … --scope …`, limited by the policy to people
in the organisation's care and to its scopes, named in the audit, and able (with the import scope)
to register people into the organisation's care so that its staff can see them."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from joinedup.accounts.models import ApiClient, ApiToken
from joinedup.accounts.services import digest_token
from joinedup.audit.models import AuditEvent
from joinedup.audit.selectors import access_log_for
from joinedup.careteams.models import CareTeamMember
from joinedup.conftest import Region
from joinedup.core.errors import NotAllowed
from joinedup.directory.models import Organisation
from joinedup.people.services import register_person
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action, Basis, decide, people_visible_to

FHIR_JSON = "application/fhir+json"
HOLLYBANK = "XCH001"


def _token(*scopes: str, client: str = "Hollybank care planner", ods: str = HOLLYBANK) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        client=client,
        organisation=ods,
        scope=list(scopes),
        stdout=out,
        stderr=err,
    )
    assert "keep it secret" in err.getvalue()
    return out.getvalue().strip()


def _get(client: Client, token: str, path: str) -> tuple[int, dict[str, object]]:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.content)


def _client_actor(token: str) -> Actor:
    record = ApiToken.objects.select_related("client__organisation").get(digest=digest_token(token))
    assert record.client is not None
    return Actor.system_client(record.client, channel="fhir")


def test_the_command_registers_the_client_and_prints_a_token_once(
    region: Region, client: Client
) -> None:
    token = _token("read", "export")

    assert token.startswith("jdc_")
    registered = ApiClient.objects.get(name="Hollybank care planner")
    assert registered.organisation.ods_code == HOLLYBANK
    assert registered.scopes == ["export", "read"]
    assert not ApiToken.objects.filter(digest=token).exists()
    status, me = _get(client, token, "/api/v1/me")
    assert status == 200
    assert me["user"] is None and me["role_profile"] is None
    shown = me["client"]
    assert isinstance(shown, dict)
    assert shown["name"] == "Hollybank care planner"
    assert shown["scopes"] == ["export", "read"]
    assert shown["organisation"]["ods_code"] == HOLLYBANK


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"organisation": HOLLYBANK}, "at least one --scope"),
        ({"scope": ["read"]}, "Give --organisation"),
        ({"organisation": "ZZZ999", "scope": ["read"]}, "no organisation with the ODS code ZZZ999"),
    ],
)
def test_the_command_refuses_an_incomplete_client(
    region: Region, options: dict[str, object], message: str
) -> None:
    before = ApiToken.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command(
            "create_api_token",
            client="Half set up",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            **options,
        )
    assert ApiToken.objects.count() == before
    assert not ApiClient.objects.filter(name="Half set up").exists()


def test_a_client_name_belongs_to_one_organisation(region: Region) -> None:
    _token("read")
    with pytest.raises(CommandError, match="already registered to Hollybank Care Home"):
        _token("read", ods="X81001")


def test_the_client_reads_people_in_its_organisations_care_and_no_one_else(
    region: Region, client: Client
) -> None:
    token = _token("read")
    actor = _client_actor(token)
    assert decide(actor, Action.VIEW_PERSON, region.arthur).allowed
    assert not decide(actor, Action.VIEW_PERSON, region.margaret).allowed

    status, patient = _get(client, token, f"/fhir/R4/Patient/{region.arthur.pk}")
    assert status == 200
    assert patient["id"] == str(region.arthur.pk)
    status, outcome = _get(client, token, f"/fhir/R4/Patient/{region.margaret.pk}")
    assert status == 404
    assert outcome["resourceType"] == "OperationOutcome"

    event = AuditEvent.objects.filter(person=region.arthur, channel="fhir").latest("id")
    assert event.actor_label == "system: Hollybank care planner (Hollybank Care Home)"
    assert event.user_id is None and event.role_profile_id is None
    assert event.organisation is not None and event.organisation.ods_code == HOLLYBANK
    assert event.basis == Basis.ORGANISATION_SYSTEM
    # The person's access log shows the system, in plain words.
    log = access_log_for(region.actor("social_worker"), region.arthur.pk)
    shown = next(entry for entry in log.entries if entry.user_name == event.actor_label)
    assert shown.role == "Computer system"
    assert shown.basis == "A system of an organisation involved in care"


def test_every_person_the_client_may_see_is_in_its_organisations_care(region: Region) -> None:
    actor = _client_actor(_token("read"))
    hollybank = Organisation.objects.get(ods_code=HOLLYBANK)
    today = timezone.localdate()
    visible = people_visible_to(actor)
    assert visible.filter(pk=region.arthur.pk).exists()
    for person in visible:
        in_team = CareTeamMember.objects.filter(
            person=person, organisation=hollybank, starts_on__lte=today
        ).exists()
        assert in_team or person.gp_practice_id == hollybank.pk


def test_a_read_only_client_cannot_change_anything(region: Region) -> None:
    actor = _client_actor(_token("read"))
    for action in Action:
        allowed = decide(actor, action, region.arthur).allowed
        assert allowed == (action is Action.VIEW_PERSON), action
    with pytest.raises(NotAllowed):
        register_person(actor=actor, given_name="Ivy", family_name="Nolan")


def test_no_scope_allows_a_disclosure_or_reading_the_access_log(region: Region) -> None:
    actor = _client_actor(_token("read", "write", "import", "export"))
    assert decide(actor, Action.EDIT_CARE_PLAN, region.arthur).allowed
    assert not decide(actor, Action.RECORD_DISCLOSURE, region.arthur).allowed
    assert not decide(actor, Action.VIEW_ACCESS_LOG, region.arthur).allowed


def test_people_the_client_imports_are_in_its_organisations_care(region: Region) -> None:
    actor = _client_actor(_token("import"))

    person = register_person(
        actor=actor,
        given_name="Ivy",
        family_name="Nolan",
        nhs_number="9990009902",
        date_of_birth=date(1938, 5, 2),
    )

    [member] = CareTeamMember.objects.filter(person=person)
    assert member.role_profile is None and member.relationship is None
    assert member.organisation is not None and member.organisation.ods_code == HOLLYBANK
    assert member.display_name == "Hollybank Care Home (the organisation's team)"
    assert member.changes.get().made_by == actor.label
    # Hollybank's manager sees them (Hollybank lets its managers see everyone in its care);
    # someone from another organisation does not.
    grace = decide(region.actor("care_home_manager"), Action.VIEW_PERSON, person)
    assert grace.allowed and grace.basis is Basis.SAME_ORGANISATION
    assert not decide(region.actor("nurse"), Action.VIEW_PERSON, person).allowed
    registered = AuditEvent.objects.get(person=person, action="person.register")
    assert registered.actor_label == actor.label
    assert registered.basis == Basis.ORGANISATION_SYSTEM


def test_a_revoked_client_is_refused(region: Region, client: Client) -> None:
    token = _token("read")
    ApiClient.objects.filter(name="Hollybank care planner").update(revoked_at=timezone.now())
    status, outcome = _get(client, token, f"/fhir/R4/Patient/{region.arthur.pk}")
    assert status == 401
    assert outcome["resourceType"] == "OperationOutcome"
