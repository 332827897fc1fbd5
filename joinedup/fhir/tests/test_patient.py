"""GET /fhir/R4/Patient/{id} and /fhir/R4/Patient?…: Margaret Price (NHS 9990001111) as her
care team's nurse, Nadia Okafor, sees her through FHIR; Colin Firth (a care home with no part in
her care) finds nothing, exactly as if she did not exist. Every read is audited once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient

from joinedup.accounts import middleware
from joinedup.audit.models import AuditEvent, Outcome
from joinedup.conftest import Region
from joinedup.fhir.mapping import INTERPRETER_REQUIRED, NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM
from joinedup.fhir.tests.conftest import (
    FHIR,
    FHIR_JSON,
    FhirClient,
    Json,
    outcome,
)

FhirAs = Callable[[str | None], FhirClient]


def _body(response: Any, status: int = 200) -> Json:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == FHIR_JSON
    body: Json = json.loads(response.content)
    return body


def _events_after(last: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))


def _last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# -- read -----------------------------------------------------------------------------------


def test_the_nurse_reads_margarets_patient_and_it_is_valid_fhir(
    region: Region, fhir_as: FhirAs
) -> None:
    margaret = region.margaret
    nurse = fhir_as("nurse")
    before = _last_event()

    body = _body(nurse.get(f"/Patient/{margaret.pk}"))

    Patient.model_validate(body)
    assert body["id"] == str(margaret.pk)
    assert body["identifier"] == [{"system": NHS_NUMBER_SYSTEM, "value": "9990001111"}]
    official, usual = body["name"]
    assert official == {
        "use": "official",
        "family": "Price",
        "given": ["Margaret"],
        "prefix": ["Mrs"],
    }
    assert usual == {"use": "usual", "given": ["Peggy"]}
    assert body["gender"] == "female"
    assert body["birthDate"] == "1944-03-12"
    assert "deceasedDateTime" not in body
    assert body["address"] == [
        {"use": "home", "line": ["14 Weavers Row"], "city": "Calderbridge", "postalCode": "CD3 4PQ"}
    ]
    assert body["telecom"] == [{"system": "phone", "value": "07700 900123"}]
    [language] = body["communication"]
    assert language["preferred"] is True
    assert language["language"]["coding"][0] == {
        "system": "urn:ietf:bcp:47",
        "code": "en",
        "display": "English",
    }
    assert body["extension"] == [{"url": INTERPRETER_REQUIRED, "valueBoolean": False}]
    practice = margaret.gp_practice
    assert practice is not None
    assert body["generalPractitioner"] == [
        {
            "reference": f"Organization/{practice.pk}",
            "type": "Organization",
            "display": "Riverside Medical Practice",
            "identifier": {"system": ODS_CODE_SYSTEM, "value": practice.ods_code},
        }
    ]
    [event] = _events_after(before)
    assert event.outcome == Outcome.ALLOWED
    assert (event.person_id, event.user_id) == (margaret.pk, region.user("nurse").pk)
    assert event.channel == "fhir"


def test_the_outsider_gets_the_same_404_as_for_a_record_that_does_not_exist(
    region: Region, fhir_as: FhirAs
) -> None:
    outsider = fhir_as("outsider")
    before = _last_event()

    forbidden = outsider.get(f"/Patient/{region.margaret.pk}")
    missing = outsider.get(f"/Patient/{uuid.uuid4()}")

    assert outcome(forbidden, 404) == outcome(missing, 404)
    assert forbidden.content == missing.content
    assert outcome(forbidden, 404)["issue"][0]["code"] == "not-found"
    denied = _events_after(before)
    assert [event.outcome for event in denied] == [Outcome.DENIED, Outcome.DENIED]
    assert denied[0].person_id == region.margaret.pk


def test_without_a_token_the_answer_is_401_and_nothing_is_read(
    region: Region, fhir_as: FhirAs
) -> None:
    before = _last_event()
    response = fhir_as(None).get(f"/Patient/{region.margaret.pk}")
    assert outcome(response, 401)["issue"][0]["code"] == "login"
    assert response["WWW-Authenticate"] == 'Bearer realm="joinedup"'

    wrong = FhirClient(fhir_as(None).client, "not-a-token").get("/Patient", {"family": "Price"})
    outcome(wrong, 401)
    assert wrong["WWW-Authenticate"] == 'Bearer realm="joinedup", error="invalid_token"'
    assert _events_after(before) == []


def test_a_signed_in_session_is_not_a_token(region: Region, sign_in: Any) -> None:
    web = sign_in("nurse")
    outcome(web.get(f"{FHIR}/Patient/{region.margaret.pk}"), 401)


def test_each_read_is_one_audit_event(region: Region, fhir_as: FhirAs) -> None:
    nurse = fhir_as("nurse")
    before = _last_event()
    for _ in range(3):
        _body(nurse.get(f"/Patient/{region.margaret.pk}"))
    _body(nurse.get("/Patient", {"identifier": f"{NHS_NUMBER_SYSTEM}|9990001111"}))
    events = _events_after(before)
    assert [event.action for event in events] == ["person.view"] * 3 + ["person.search"]
    assert {event.channel for event in events} == {"fhir"}


# -- search ---------------------------------------------------------------------------------


def test_the_nurse_finds_margaret_by_nhs_number(region: Region, fhir_as: FhirAs) -> None:
    nurse = fhir_as("nurse")
    for identifier in (f"{NHS_NUMBER_SYSTEM}|9990001111", "9990001111", "|999 000 1111"):
        bundle = _body(nurse.get("/Patient", {"identifier": identifier}))
        Bundle.model_validate(bundle)
        assert bundle["type"] == "searchset"
        assert bundle["total"] == 1
        [entry] = bundle["entry"]
        assert entry["resource"]["id"] == str(region.margaret.pk)
        assert entry["fullUrl"] == f"http://testserver{FHIR}/Patient/{region.margaret.pk}"
        assert entry["search"] == {"mode": "match"}
        [link] = bundle["link"]
        assert link["relation"] == "self"
        assert "identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990001111" in link["url"]
        Patient.model_validate(entry["resource"])


def test_the_outsider_finds_no_one(region: Region, fhir_as: FhirAs) -> None:
    bundle = _body(fhir_as("outsider").get("/Patient", {"identifier": "9990001111"}))
    Bundle.model_validate(bundle)
    assert bundle["total"] == 0
    assert "entry" not in bundle
    by_id = _body(fhir_as("outsider").get("/Patient", {"_id": str(region.margaret.pk)}))
    assert by_id["total"] == 0


def test_search_by_id(region: Region, fhir_as: FhirAs) -> None:
    bundle = _body(fhir_as("nurse").get("/Patient", {"_id": str(region.margaret.pk)}))
    Bundle.model_validate(bundle)
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(region.margaret.pk)]
    assert _body(fhir_as("nurse").get("/Patient", {"_id": str(uuid.uuid4())}))["total"] == 0


def test_family_and_birthdate_pages_through_matches(region: Region, fhir_as: FhirAs) -> None:
    gp = fhir_as("gp")  # the practice holds Margaret's record and its own unmatched copy
    criteria = {"family": "price", "birthdate": "1944-03-12"}
    everything = _body(gp.get("/Patient", criteria))
    total = everything["total"]
    assert total >= 2
    ids = []
    page = _body(gp.get("/Patient", {**criteria, "_count": "1"}))
    while True:
        Bundle.model_validate(page)
        assert page["total"] == total
        ids += [entry["resource"]["id"] for entry in page["entry"]]
        links = {link["relation"]: link["url"] for link in page["link"]}
        if "next" not in links:
            break
        page = _body(gp.client.get(links["next"], headers={"Authorization": f"Bearer {gp.token}"}))
    assert ids == [entry["resource"]["id"] for entry in everything["entry"]]
    assert str(region.margaret.pk) in ids


def test_count_is_capped_at_100(region: Region, fhir_as: FhirAs) -> None:
    bundle = _body(fhir_as("nurse").get("/Patient", {"identifier": "9990001111", "_count": "500"}))
    assert "_count=100" in bundle["link"][0]["url"]


# -- bad requests ---------------------------------------------------------------------------


def test_a_malformed_nhs_number_is_a_400_naming_the_parameter(fhir_as: FhirAs) -> None:
    body = outcome(fhir_as("nurse").get("/Patient", {"identifier": "9990001112"}), 400)
    [issue] = body["issue"]
    assert (issue["code"], issue["expression"]) == ("value", ["identifier"])
    assert "not a valid NHS number" in issue["diagnostics"]


def test_other_identifier_systems_are_not_supported(fhir_as: FhirAs) -> None:
    body = outcome(fhir_as("nurse").get("/Patient", {"identifier": "urn:oid:1.2|123"}), 400)
    assert body["issue"][0]["code"] == "not-supported"


def test_unknown_parameters_are_ignored_unless_strict_handling_is_asked_for(
    region: Region, fhir_as: FhirAs
) -> None:
    nurse = fhir_as("nurse")
    params = {"identifier": "9990001111", "colour": "blue"}
    assert _body(nurse.get("/Patient", params))["total"] == 1
    strict = outcome(nurse.get("/Patient", params, Prefer="handling=strict"), 400)
    assert strict["issue"][0]["expression"] == ["colour"]
    assert strict["issue"][0]["code"] == "not-supported"


def test_searches_missing_what_they_need_are_400s(fhir_as: FhirAs) -> None:
    nurse = fhir_as("nurse")
    cases = [
        ({}, "identifier", "required"),
        ({"family": "Price"}, "birthdate", "required"),
        ({"family": "Price", "birthdate": "1944-03"}, "birthdate", "value"),
        ({"family": "Price", "birthdate": "gt1944-03-12"}, "birthdate", "value"),
        ({"identifier": "9990001111", "family": "Price"}, "family", "not-supported"),
        ({"identifier": "9990001111", "_count": "none"}, "_count", "value"),
        ({"identifier": "9990001111", "_count": "0"}, "_count", "value"),
    ]
    for params, name, code in cases:
        [issue] = outcome(nurse.get("/Patient", params), 400)["issue"]
        assert (issue["expression"], issue["code"]) == ([name], code), params


def test_formats_other_than_json_are_406(region: Region, fhir_as: FhirAs) -> None:
    nurse = fhir_as("nurse")
    path = f"/Patient/{region.margaret.pk}"
    assert outcome(nurse.get(path, {"_format": "xml"}), 406)["issue"][0]["code"] == "not-supported"
    outcome(nurse.get(path, Accept="application/fhir+xml"), 406)
    assert _body(nurse.get(path, {"_format": "json"}))["id"] == str(region.margaret.pk)
    assert _body(nurse.get(path, Accept="application/fhir+json"))["resourceType"] == "Patient"


def test_other_addresses_and_methods_answer_operation_outcomes(
    region: Region, fhir_as: FhirAs
) -> None:
    nurse = fhir_as("nurse")
    outcome(nurse.get("/Practitioner/1"), 404)
    outcome(nurse.get(f"/Patient/{region.margaret.pk}/_history"), 404)
    posted = nurse.client.post(
        f"{FHIR}/Patient", "{}", content_type=FHIR_JSON, headers={"Authorization": "Bearer x"}
    )
    outcome(posted, 405)
    assert posted["Allow"] == "GET"


def test_the_sign_in_middleware_lets_fhir_through_to_its_own_token_check() -> None:
    # /fhir/R4/ answers 401 with an OperationOutcome itself; a redirect to the sign-in page
    # would be useless to a FHIR client.
    assert FHIR.startswith(middleware.PUBLIC_PREFIXES)
