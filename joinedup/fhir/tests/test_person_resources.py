"""RelatedPerson and Consent over FHIR, in Margaret Price's story: Nadia (her community nurse)
reads the people in Margaret's life, Sarah her daughter flagged as her attorney; Margaret tells
Nadia she would rather her GP did not see the notes about her low mood, and Nadia records the
objection with `POST /fhir/R4/Consent`; Dr Priya at the practice no longer sees that entry;
when Peggy changes her mind Nadia withdraws it with `PUT` and If-Match, and the entry is back.
Colin Firth, who has no part in her care, finds nothing, exactly as for a made-up id."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.relatedperson import RelatedPerson

from joinedup.audit.models import AuditEvent, Outcome
from joinedup.conftest import Region
from joinedup.fhir import mapping_people
from joinedup.fhir.mapping_people import MappingProblem
from joinedup.fhir.tests.conftest import FHIR, FHIR_JSON, FhirClient, Json, outcome, token_of
from joinedup.people.models import Relationship, RelationshipKind
from joinedup.people.services import add_relationship
from joinedup.sharing.models import ChoiceKind, ConsentDecision, ExpressedHow
from joinedup.sharing.policy import entries_visible_to
from joinedup.sharing.services import record_choice

FhirAs = Callable[[str | None], FhirClient]
LOW_MOOD = "Low mood since her fall"
IN_HER_WORDS = "I'd rather my GP didn't see the notes about my mood."


def _last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _events_after(last: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))


def _ok(response: Any, status: int = 200) -> Json:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == FHIR_JSON
    body: Json = json.loads(response.content)
    return body


def _send(
    client: Client,
    region: Region,
    key: str,
    method: str,
    path: str,
    body: Any,
    **headers: str,
) -> Any:
    headers["Authorization"] = f"Bearer {token_of(region, key)}"
    send = client.post if method == "POST" else client.put
    return send(
        FHIR + path,
        body if isinstance(body, str) else json.dumps(body),
        content_type=FHIR_JSON,
        headers=headers,
    )


def _gp_sees_low_mood(region: Region) -> bool:
    titles = entries_visible_to(region.actor("gp"), region.margaret).values_list("title", flat=True)
    return LOW_MOOD in set(titles)


def _sarah(region: Region) -> Relationship:
    return Relationship.objects.get(person=region.margaret, given_name="Sarah")


def _objection_to_the_gp(region: Region) -> Json:
    """Margaret's objection, as a partner system would send it."""
    gp_practice = region.role_profile("gp").organisation
    return {
        "resourceType": "Consent",
        "extension": [
            {
                "url": mapping_people.EXPRESSED_HOW_URL,
                "valueCoding": {"system": mapping_people.EXPRESSED_HOW_SYSTEM, "code": "spoken"},
            },
            {"url": mapping_people.IN_THEIR_WORDS_URL, "valueString": IN_HER_WORDS},
        ],
        "status": "active",
        "scope": mapping_people.SCOPE,
        "category": mapping_people.CATEGORY,
        "patient": {"reference": f"Patient/{region.margaret.pk}"},
        "policyRule": {"coding": [{"system": mapping_people.ACT_CODE, "code": "OPTOUT"}]},
        "provision": {
            "type": "deny",
            "actor": [
                {
                    "role": {
                        "coding": [{"system": mapping_people.PARTICIPATION_TYPE, "code": "IRCP"}]
                    },
                    "reference": {"reference": f"Organization/{gp_practice.pk}"},
                }
            ],
            "purpose": [{"system": mapping_people.ACT_REASON, "code": "TREAT"}],
            "securityLabel": [{"system": mapping_people.CATEGORY_SYSTEM, "code": "mental_health"}],
        },
    }


# -- RelatedPerson --------------------------------------------------------------------------


def test_nadia_reads_sarah_flagged_as_margarets_attorney_and_next_of_kin(
    region: Region, fhir_as: FhirAs
) -> None:
    sarah = _sarah(region)
    before = _last_event()

    resource = _ok(fhir_as("nurse").get(f"/RelatedPerson/{sarah.pk}"))

    RelatedPerson.model_validate(resource)
    assert resource["patient"]["reference"] == f"Patient/{region.margaret.pk}"
    assert resource["name"] == [{"given": ["Sarah"], "family": "Price"}]
    assert resource["active"] is True
    codes = {
        (coding["system"], coding["code"])
        for concept in resource["relationship"]
        for coding in concept.get("coding", [])
    }
    assert (mapping_people.ROLE_CODE, "POWATT") in codes  # an attorney
    assert (mapping_people.ROLE_CODE, "HPOWATT") in codes  # under a health and welfare LPA
    assert (mapping_people.ROLE_CLASS, "NOK") in codes
    assert (mapping_people.ROLE_CODE, "DAU") in codes
    texts = [concept.get("text", "") for concept in resource["relationship"]]
    assert "daughter" in texts
    assert any("health and welfare lasting power of attorney (registered" in t for t in texts)
    assert resource["address"] == [{"text": "2 Fern Bank, Brigfield", "postalCode": "CD7 2LX"}]
    [event] = _events_after(before)
    assert (event.action, event.target_type, event.target_id) == (
        "person.view",
        "Relationship",
        str(sarah.pk),
    )
    assert (event.person_id, event.outcome, event.channel) == (
        region.margaret.pk,
        Outcome.ALLOWED,
        "fhir",
    )


def test_a_search_by_patient_finds_everyone_in_margarets_life_audited_once(
    region: Region, fhir_as: FhirAs
) -> None:
    before = _last_event()

    bundle = _ok(
        fhir_as("social_worker").get("/RelatedPerson", {"patient": f"Patient/{region.margaret.pk}"})
    )

    Bundle.model_validate(bundle)
    assert bundle["total"] == 3
    names = sorted(e["resource"]["name"][0]["given"][0] for e in bundle["entry"])
    assert names == ["David", "Jean", "Sarah"]
    jean = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["name"][0]["given"] == ["Jean"]
    )
    assert {
        "coding": [{"system": mapping_people.ROLE_CODE, "code": "NBOR", "display": "neighbor"}],
        "text": "neighbour",
    } in jean["relationship"]
    [event] = _events_after(before)
    assert event.person_id == region.margaret.pk


def test_colin_finds_no_one_in_margarets_life_as_for_a_made_up_id(
    region: Region, fhir_as: FhirAs
) -> None:
    colin = fhir_as("outsider")
    sarah = _sarah(region)
    before = _last_event()

    forbidden = colin.get(f"/RelatedPerson/{sarah.pk}")
    made_up = colin.get(f"/RelatedPerson/{uuid.uuid4()}")
    search = _ok(colin.get("/RelatedPerson", {"patient": f"Patient/{region.margaret.pk}"}))

    outcome(forbidden, 404)
    assert forbidden.content == made_up.content
    assert search["total"] == 0
    assert "entry" not in search
    events = _events_after(before)
    assert len(events) == 3
    assert {e.outcome for e in events} == {Outcome.DENIED}


def test_a_related_person_search_needs_a_patient(fhir_as: FhirAs) -> None:
    body = outcome(fhir_as("nurse").get("/RelatedPerson"), 400)

    assert body["issue"][0]["code"] == "required"
    assert body["issue"][0]["expression"] == ["patient"]


def test_related_people_go_to_fhir_and_back_unchanged(region: Region) -> None:
    fields = (
        "kind",
        "relationship",
        "title",
        "given_name",
        "family_name",
        "phone",
        "email",
        "address",
        "postcode",
        "is_next_of_kin",
        "is_main_carer",
        "starts_on",
        "ends_on",
    )
    people = list(
        Relationship.objects.filter(person__in=[region.margaret, region.arthur, region.fatima])
    )
    assert {p.kind for p in people} >= {"attorney", "family", "friend", "advocate", "carer"}

    for relationship in people:
        resource = mapping_people.related_person(relationship)
        back = mapping_people.relationship_fields_from_fhir(resource)
        assert back == {name: getattr(relationship, name) for name in fields}, relationship
        assert mapping_people.related_person_patient_id(resource) == str(relationship.person_id)

    # And the fields make the same relationship again through the service.
    sarah = _sarah(region)
    copy = add_relationship(
        actor=region.actor("nurse"),
        person=region.margaret,
        **mapping_people.related_person_fields(mapping_people.related_person(sarah)),
    )
    again = mapping_people.related_person(copy)
    original = mapping_people.related_person(sarah)
    for resource in (again, original):
        resource.pop("id")
        resource.pop("meta")
        # The copy is not named on the LPA: only Sarah is Margaret's attorney under it.
        resource["relationship"] = [
            c for c in resource["relationship"] if "lasting power" not in c.get("text", "")
        ]
    assert again == original


def test_another_systems_related_person_is_read_from_its_hl7_codes() -> None:
    resource = {
        "resourceType": "RelatedPerson",
        "patient": {"reference": "Patient/abc"},
        "relationship": [
            {
                "coding": [
                    {"system": mapping_people.ROLE_CODE, "code": "SON", "display": "natural son"}
                ]
            },
            {"coding": [{"system": mapping_people.V2_CONTACT_ROLE, "code": "N"}]},
        ],
        "name": [{"given": ["Imran", "Ali"], "family": "Hussain"}],
        "telecom": [{"system": "phone", "value": "07700 900456"}],
        "address": [{"line": ["7 Bank Top"], "city": "Brigfield", "postalCode": "cd7 9qt"}],
    }

    fields = mapping_people.relationship_fields_from_fhir(resource)

    assert fields["kind"] == RelationshipKind.FAMILY
    assert fields["relationship"] == "natural son"
    assert fields["is_next_of_kin"] is True
    assert fields["given_name"] == "Imran Ali"
    assert (fields["address"], fields["postcode"]) == ("7 Bank Top, Brigfield", "CD7 9QT")

    resource["relationship"] = [
        {"coding": [{"system": mapping_people.ROLE_CODE, "code": "HPOWATT"}]}
    ]
    assert mapping_people.relationship_fields_from_fhir(resource)["kind"] == "attorney"


@pytest.mark.parametrize(
    ("change", "expression"),
    [
        ({"name": [{"family": "Hussain"}]}, "RelatedPerson.name"),
        ({"period": {"start": "2024"}}, "RelatedPerson.period.start"),
        ({"address": [{"postalCode": "CD7 9QT TOO LONG"}]}, "RelatedPerson.address.postalCode"),
        (
            {
                "relationship": [
                    {
                        "coding": [
                            {"system": mapping_people.RELATED_PERSON_ROLE_SYSTEM, "code": "cousin"}
                        ]
                    }
                ]
            },
            "RelatedPerson.relationship",
        ),
    ],
)
def test_a_related_person_joinedup_cannot_keep_is_refused_naming_the_element(
    change: Json, expression: str
) -> None:
    resource = {
        "resourceType": "RelatedPerson",
        "patient": {"reference": "Patient/abc"},
        "name": [{"given": ["Imran"], "family": "Hussain"}],
        **change,
    }

    with pytest.raises(MappingProblem) as problem:
        mapping_people.relationship_fields_from_fhir(resource)

    assert problem.value.expression == expression


# -- Consent: recording an objection --------------------------------------------------------


def test_nadia_records_margarets_objection_and_her_gp_stops_seeing_the_low_mood_entry(
    client: Client, region: Region
) -> None:
    assert _gp_sees_low_mood(region)
    before = _last_event()

    response = _send(client, region, "nurse", "POST", "/Consent", _objection_to_the_gp(region))

    created = _ok(response, 201)
    Consent.model_validate(created)
    choice = ConsentDecision.objects.get(pk=created["id"])
    assert response["Location"] == f"http://testserver{FHIR}/Consent/{choice.pk}"
    assert response["ETag"] == f'"{choice.pk}-1"'
    assert (choice.kind, choice.category_id, choice.purpose) == (
        ChoiceKind.OBJECTION,
        "mental_health",
        "direct_care",
    )
    assert choice.organisation == region.role_profile("gp").organisation
    assert (choice.expressed_how, choice.in_their_words) == (ExpressedHow.SPOKEN, IN_HER_WORDS)
    assert created["status"] == "active"
    assert created["provision"]["type"] == "deny"
    assert created["performer"][0]["reference"] == f"Patient/{region.margaret.pk}"
    assert not _gp_sees_low_mood(region)
    [event] = _events_after(before)
    assert (event.action, event.person_id, event.channel) == (
        "choice.record",
        region.margaret.pk,
        "fhir",
    )


def test_a_consent_read_back_and_posted_again_records_the_same_choice(
    client: Client, region: Region, fhir_as: FhirAs
) -> None:
    sarah_decides = record_choice(
        actor=region.actor("nurse"),
        person=region.margaret,
        kind=ChoiceKind.CONSENT,
        category="social_care",
        purpose="research",
        expressed_how=ExpressedHow.ATTORNEY,
        capacity="lacks_capacity",
        capacity_assessment="Assessed by Nadia Okafor on 1 November: could not retain the information.",
        in_their_words="Sarah says her mum always supported research.",
    )
    read = _ok(fhir_as("nurse").get(f"/Consent/{sarah_decides.pk}"))
    Consent.model_validate(read)
    assert read["performer"] == [
        {
            "type": "RelatedPerson",
            "display": "Their attorney under a health and welfare lasting power of attorney",
        }
    ]
    assert read["provision"]["purpose"] == [
        {"system": mapping_people.ACT_REASON, "code": "HRESCH", "display": "healthcare research"}
    ]

    posted = _ok(_send(client, region, "nurse", "POST", "/Consent", read), 201)

    assert posted["id"] != read["id"]
    for resource in (posted, read):
        for element in ("id", "meta", "dateTime"):
            resource.pop(element)
        resource["provision"].pop("period")
    assert posted == read
    copy = ConsentDecision.objects.get(pk=ConsentDecision.objects.latest("recorded_at").pk)
    assert mapping_people.consent_fields_from_fhir(mapping_people.consent(copy)) == (
        mapping_people.consent_fields_from_fhir(mapping_people.consent(sarah_decides))
    )


def test_if_none_exist_makes_the_create_conditional(client: Client, region: Region) -> None:
    body = _objection_to_the_gp(region)
    condition = f"patient=Patient/{region.margaret.pk}&status=active"

    first = _send(client, region, "nurse", "POST", "/Consent", body, **{"If-None-Exist": condition})
    again = _send(client, region, "nurse", "POST", "/Consent", body, **{"If-None-Exist": condition})

    assert _ok(first, 201)["id"] == _ok(again, 200)["id"]
    assert ConsentDecision.objects.filter(person=region.margaret).count() == 1

    _send(client, region, "nurse", "POST", "/Consent", body)  # a second, unconditionally
    before = _last_event()
    both = _send(client, region, "nurse", "POST", "/Consent", body, **{"If-None-Exist": condition})
    body_412 = outcome(both, 412)
    assert body_412["issue"][0]["code"] == "multiple-matches"
    assert ConsentDecision.objects.filter(person=region.margaret).count() == 2
    [event] = _events_after(before)  # the access is on record, nothing was written
    assert event.action == "person.view"

    unknown = _send(
        client, region, "nurse", "POST", "/Consent", body, **{"If-None-Exist": "identifier=x"}
    )
    assert outcome(unknown, 400)["issue"][0]["expression"] == ["If-None-Exist"]


# -- Consent: withdrawing -------------------------------------------------------------------


def test_peggy_changes_her_mind_and_the_withdrawal_needs_the_current_version(
    client: Client, region: Region, fhir_as: FhirAs
) -> None:
    created = _ok(
        _send(client, region, "nurse", "POST", "/Consent", _objection_to_the_gp(region)), 201
    )
    path = f"/Consent/{created['id']}"
    withdrawal = {
        **created,
        "status": "inactive",
        "extension": [
            *created["extension"],
            {"url": mapping_people.WITHDRAWAL_REASON_URL, "valueString": "Peggy changed her mind."},
        ],
    }
    assert not _gp_sees_low_mood(region)

    missing = _send(client, region, "nurse", "PUT", path, withdrawal)
    outcome(missing, 428)
    stale = _send(client, region, "nurse", "PUT", path, withdrawal, **{"If-Match": 'W/"2"'})
    assert outcome(stale, 412)["issue"][0]["expression"] == ["If-Match"]
    assert stale["ETag"] == f'"{created["id"]}-1"'
    before = _last_event()

    done = _send(client, region, "nurse", "PUT", path, withdrawal, **{"If-Match": 'W/"1"'})

    withdrawn = _ok(done)
    Consent.model_validate(withdrawn)
    assert withdrawn["status"] == "inactive"
    assert withdrawn["meta"]["versionId"] == "2"
    assert done["ETag"] == f'"{created["id"]}-2"'
    assert withdrawn["provision"]["period"]["end"]
    assert {
        "url": mapping_people.WITHDRAWAL_REASON_URL,
        "valueString": "Peggy changed her mind.",
    } in withdrawn["extension"]
    assert _gp_sees_low_mood(region)
    [event] = _events_after(before)
    assert (event.action, event.person_id) == ("choice.withdraw", region.margaret.pk)

    # The change was made once: the old version is stale now.
    twice = _send(client, region, "nurse", "PUT", path, withdrawal, **{"If-Match": 'W/"1"'})
    outcome(twice, 412)
    searched = _ok(
        fhir_as("nurse").get(
            "/Consent", {"patient": f"Patient/{region.margaret.pk}", "status": "inactive"}
        )
    )
    assert [e["resource"]["id"] for e in searched["entry"]] == [created["id"]]


def test_a_withdrawal_needs_a_reason_and_nothing_else_can_be_changed(
    client: Client, region: Region
) -> None:
    created = _ok(
        _send(client, region, "nurse", "POST", "/Consent", _objection_to_the_gp(region)), 201
    )
    path = f"/Consent/{created['id']}"

    no_reason = _send(
        client,
        region,
        "nurse",
        "PUT",
        path,
        {**created, "status": "inactive"},
        **{"If-Match": 'W/"1"'},
    )
    changed = _send(
        client, region, "nurse", "PUT", path, created, **{"If-Match": f'"{created["id"]}-1"'}
    )

    assert outcome(no_reason, 422)["issue"][0]["expression"] == [
        f"Consent.extension('{mapping_people.WITHDRAWAL_REASON_URL}')"
    ]
    assert outcome(changed, 422)["issue"][0]["expression"] == ["Consent.status"]
    assert ConsentDecision.objects.get(pk=created["id"]).in_force


# -- Consent: who may, and bad requests -----------------------------------------------------


def test_colin_can_neither_read_nor_record_nor_withdraw_margarets_choices(
    client: Client, region: Region, fhir_as: FhirAs
) -> None:
    choice = record_choice(
        actor=region.actor("nurse"),
        person=region.margaret,
        kind=ChoiceKind.OBJECTION,
        expressed_how=ExpressedHow.WRITTEN,
    )
    colin = fhir_as("outsider")
    made_up = colin.get(f"/Consent/{uuid.uuid4()}")

    read = colin.get(f"/Consent/{choice.pk}")
    search = _ok(colin.get("/Consent", {"patient": f"Patient/{region.margaret.pk}"}))
    post = _send(client, region, "outsider", "POST", "/Consent", _objection_to_the_gp(region))
    put = _send(
        client,
        region,
        "outsider",
        "PUT",
        f"/Consent/{choice.pk}",
        {**mapping_people.consent(choice), "status": "inactive"},
        **{"If-Match": 'W/"1"'},
    )

    outcome(read, 404)
    assert read.content == made_up.content == post.content == put.content
    assert search["total"] == 0
    assert ConsentDecision.objects.filter(person=region.margaret).count() == 1
    assert ConsentDecision.objects.get(pk=choice.pk).in_force


def test_aisha_sees_margarets_choices_but_cannot_record_one(
    client: Client, region: Region, fhir_as: FhirAs
) -> None:
    record_choice(
        actor=region.actor("nurse"),
        person=region.margaret,
        kind=ChoiceKind.CONSENT,
        purpose="planning",
        expressed_how=ExpressedHow.EASY_READ,
    )

    found = _ok(fhir_as("voluntary").get("/Consent", {"patient": f"Patient/{region.margaret.pk}"}))
    refused = _send(client, region, "voluntary", "POST", "/Consent", _objection_to_the_gp(region))

    assert found["total"] == 1
    assert found["entry"][0]["resource"]["provision"]["purpose"][0]["code"] == "planning"
    assert outcome(refused, 403)["issue"][0]["code"] == "forbidden"
    assert ConsentDecision.objects.filter(person=region.margaret).count() == 1


@pytest.mark.parametrize(
    ("change", "status", "code", "expression"),
    [
        ({"provision": {"type": "maybe"}}, 400, "code-invalid", "Consent.provision.type"),
        (
            {
                "provision": {
                    "type": "deny",
                    "securityLabel": [
                        {"system": mapping_people.CATEGORY_SYSTEM, "code": "finances"}
                    ],
                }
            },
            400,
            "code-invalid",
            "Consent.provision.securityLabel",
        ),
        (
            {
                "provision": {
                    "type": "deny",
                    "purpose": [{"system": mapping_people.ACT_REASON, "code": "HMARKT"}],
                }
            },
            400,
            "code-invalid",
            "Consent.provision.purpose",
        ),
        (
            {"provision": {"type": "deny", "provision": [{"type": "permit"}]}},
            400,
            "not-supported",
            "Consent.provision.provision",
        ),
        ({"status": 7}, 400, "structure", "Consent.status"),
        ({"status": "inactive"}, 422, "business-rule", "Consent.status"),
        ({"patient": {"reference": "Group/1"}}, 400, "value", "Consent.patient.reference"),
        (
            {"extension": [], "performer": [{"reference": f"Patient/{uuid.uuid4()}"}]},
            400,
            "required",
            f"Consent.extension('{mapping_people.EXPRESSED_HOW_URL}')",
        ),
        (
            # An attorney decides only for someone assessed to lack capacity.
            {"extension": [], "performer": [{"type": "RelatedPerson", "display": "Sarah"}]},
            422,
            "business-rule",
            f"Consent.extension('{mapping_people.CAPACITY_URL}')",
        ),
    ],
)
def test_a_consent_joinedup_cannot_record_gets_an_outcome_naming_the_element(
    client: Client, region: Region, change: Json, status: int, code: str, expression: str
) -> None:
    body = {**_objection_to_the_gp(region), **change}

    answer = outcome(_send(client, region, "nurse", "POST", "/Consent", body), status)

    assert answer["issue"][0]["code"] == code
    assert answer["issue"][0]["expression"] == [expression]
    assert not ConsentDecision.objects.filter(person=region.margaret).exists()


def test_a_body_that_is_not_json_or_not_a_consent_is_refused(
    client: Client, region: Region
) -> None:
    outcome(_send(client, region, "nurse", "POST", "/Consent", "{not json"), 400)
    wrong = outcome(
        _send(client, region, "nurse", "POST", "/Consent", {"resourceType": "Patient"}), 400
    )
    assert wrong["issue"][0]["expression"] == ["Consent.resourceType"]
    delete = client.delete(
        f"{FHIR}/Consent", headers={"Authorization": f"Bearer {token_of(region, 'nurse')}"}
    )
    assert outcome(delete, 405) and delete["Allow"] == "GET, POST"


# -- Consent: searching ---------------------------------------------------------------------


def test_consent_searches_by_patient_status_and_last_updated_are_audited_once(
    region: Region, fhir_as: FhirAs
) -> None:
    choice = record_choice(
        actor=region.actor("nurse"),
        person=region.margaret,
        kind=ChoiceKind.OBJECTION,
        category="mental_health",
        expressed_how=ExpressedHow.SPOKEN,
    )
    nadia = fhir_as("nurse")
    patient = f"Patient/{region.margaret.pk}"
    today = choice.updated_at.date().isoformat()
    before = _last_event()

    active = _ok(
        nadia.get(
            "/Consent", {"patient": patient, "status": "active", "_lastUpdated": f"ge{today}"}
        )
    )

    Bundle.model_validate(active)
    assert [e["resource"]["id"] for e in active["entry"]] == [str(choice.pk)]
    [event] = _events_after(before)
    assert (event.action, event.person_id) == ("sharing.view", region.margaret.pk)
    assert _ok(nadia.get("/Consent", {"patient": patient, "status": "inactive"}))["total"] == 0
    assert (
        _ok(nadia.get("/Consent", {"patient": patient, "_lastUpdated": f"lt{today}"}))["total"] == 0
    )
    assert _ok(nadia.get("/Consent", {"_id": str(choice.pk)}))["total"] == 1
    bad = outcome(nadia.get("/Consent", {"patient": patient, "status": "withdrawn"}), 400)
    assert bad["issue"][0]["expression"] == ["status"]
    bad = outcome(nadia.get("/Consent", {"patient": patient, "_lastUpdated": "yesterday"}), 400)
    assert bad["issue"][0]["expression"] == ["_lastUpdated"]
    assert outcome(nadia.get("/Consent"), 400)["issue"][0]["code"] == "required"


def test_the_related_person_search_costs_the_same_queries_however_many_people(
    region: Region, fhir_as: FhirAs
) -> None:
    nadia = fhir_as("nurse")
    params = {"patient": f"Patient/{region.margaret.pk}"}
    nadia.get("/RelatedPerson", params)  # the token's first use is recorded once

    with CaptureQueriesContext(connection) as three:
        assert _ok(nadia.get("/RelatedPerson", params))["total"] == 3
    for given in ("Ann", "Bob", "Cath", "Dev"):
        add_relationship(
            actor=region.actor("nurse"),
            person=region.margaret,
            kind=RelationshipKind.FAMILY,
            relationship="granddaughter",
            given_name=given,
            family_name="Price",
        )
    with CaptureQueriesContext(connection) as seven:
        assert _ok(nadia.get("/RelatedPerson", params))["total"] == 7

    assert len(seven) == len(three)


def test_a_choice_may_name_its_organisation_by_ods_code(client: Client, region: Region) -> None:
    gp_practice = region.role_profile("gp").organisation
    body = _objection_to_the_gp(region)
    body["provision"]["actor"][0]["reference"] = {
        "identifier": {
            "system": "https://fhir.nhs.uk/Id/ods-organization-code",
            "value": gp_practice.ods_code,
        },
        "display": gp_practice.name,
    }

    created = _ok(_send(client, region, "nurse", "POST", "/Consent", body), 201)

    assert ConsentDecision.objects.get(pk=created["id"]).organisation == gp_practice
    assert (
        created["provision"]["actor"][0]["reference"]["reference"]
        == f"Organization/{gp_practice.pk}"
    )


def test_if_none_exist_about_another_person_is_refused(client: Client, region: Region) -> None:
    answer = _send(
        client,
        region,
        "nurse",
        "POST",
        "/Consent",
        _objection_to_the_gp(region),
        **{"If-None-Exist": f"patient=Patient/{region.fatima.pk}"},
    )

    assert outcome(answer, 400)["issue"][0]["expression"] == ["If-None-Exist"]
    assert not ConsentDecision.objects.filter(person=region.margaret).exists()
