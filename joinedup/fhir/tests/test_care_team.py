"""GET /fhir/R4/CareTeam?patient=… and /fhir/R4/CareTeam/{person id}: Margaret Price's current
care team as her nurse sees it, across at least three organisations, each search audited
exactly once; Colin Firth (no part in her care) finds an empty bundle, and a read is a 404 the
same as for someone who does not exist."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careteam import CareTeam

from joinedup.audit.models import AuditEvent, Outcome
from joinedup.conftest import Region
from joinedup.fhir.tests.conftest import FHIR_JSON, FhirClient, Json, outcome

FhirAs = Callable[[str | None], FhirClient]


def _last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _events_after(last: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))


def _bundle(response: Any) -> Json:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    body: Json = json.loads(response.content)
    Bundle.model_validate(body)
    return body


def test_the_nurse_finds_margarets_care_team_across_organisations(
    region: Region, fhir_as: FhirAs
) -> None:
    margaret = region.margaret
    nurse = fhir_as("nurse")
    before = _last_event()

    bundle = _bundle(nurse.get("/CareTeam", {"patient": f"Patient/{margaret.pk}"}))

    [entry] = bundle["entry"]
    team = entry["resource"]
    CareTeam.model_validate(team)
    assert bundle["total"] == 1
    assert entry["fullUrl"] == f"http://testserver/fhir/R4/CareTeam/{margaret.pk}"
    assert team["id"] == str(margaret.pk)
    assert team["subject"]["reference"] == f"Patient/{margaret.pk}"
    assert len(team["managingOrganization"]) >= 3
    members = {p["member"]["display"]: p for p in team["participant"]}
    nurse_role = region.role_profile("nurse")
    nadia = members["Nadia Okafor, Community nurse"]
    assert nadia["member"]["reference"] == f"PractitionerRole/{nurse_role.pk}"
    assert nadia["onBehalfOf"]["reference"] == f"Organization/{nurse_role.organisation_id}"
    lead = team["participant"][0]
    assert lead["role"] == [{"text": "Lead professional"}]
    assert lead["member"]["display"] == "Sam Whitaker, Social worker"
    assert lead["period"]["start"]
    # Family are RelatedPerson references, which the same token can read.
    family = [
        p["member"] for p in team["participant"] if p["member"]["reference"].startswith("Related")
    ]
    assert family
    [event] = _events_after(before)
    assert event.outcome == Outcome.ALLOWED
    assert (event.person_id, event.user_id, event.channel) == (
        margaret.pk,
        region.user("nurse").pk,
        "fhir",
    )
    for member in family:
        related = nurse.get(f"/{member['reference']}")
        assert related.status_code == 200, related.content
        assert json.loads(related.content)["patient"]["reference"] == f"Patient/{margaret.pk}"


def test_read_and_subject_search_give_the_same_care_team(region: Region, fhir_as: FhirAs) -> None:
    margaret = region.margaret
    gp = fhir_as("gp")
    before = _last_event()
    read = gp.get(f"/CareTeam/{margaret.pk}")
    assert read.status_code == 200
    [entry] = _bundle(gp.get("/CareTeam", {"subject": str(margaret.pk)}))["entry"]
    assert entry["resource"] == json.loads(read.content)
    assert len(_events_after(before)) == 2


def test_the_outsider_gets_an_empty_bundle_and_a_404(region: Region, fhir_as: FhirAs) -> None:
    outsider = fhir_as("outsider")
    before = _last_event()

    search = _bundle(outsider.get("/CareTeam", {"patient": f"Patient/{region.margaret.pk}"}))
    forbidden = outsider.get(f"/CareTeam/{region.margaret.pk}")
    missing = outsider.get(f"/CareTeam/{uuid.uuid4()}")

    assert search["total"] == 0
    assert "entry" not in search
    assert outcome(forbidden, 404) == outcome(missing, 404)
    assert [e.outcome for e in _events_after(before)] == [Outcome.DENIED] * 3


def test_a_care_team_search_needs_a_patient(region: Region, fhir_as: FhirAs) -> None:
    nurse = fhir_as("nurse")
    assert outcome(nurse.get("/CareTeam"), 400)["issue"][0]["code"] == "required"
    wrong = nurse.get("/CareTeam", {"patient": f"Organization/{region.margaret.pk}"})
    assert outcome(wrong, 400)["issue"][0]["expression"] == ["patient"]
    outcome(fhir_as(None).get("/CareTeam", {"patient": str(region.margaret.pk)}), 401)
