"""/fhir/R4/ through a real FHIR client library, fhirpy (SyncFHIRClient), against a running
server: Nadia (community nurse) reads and finds Margaret Price, pages through her
organisation's referral Tasks two at a time by following the next links, and accepts the
referral the council sent to District nursing by saving the Task. Colin Firth (no part in
anyone's care) gets fhirpy's not-found, as for a made-up id.

What a fhirpy user must know, shown here: fhirpy's `save()` sends no If-Match, so the server
refuses it (428) until the client sends the Task's version as `W/"<meta.versionId>"` in an
extra header; and fhirpy raises MultipleResourcesFound for a 412 (it reads 412 as a
conditional update's "more than one match"), here meaning "changed since you read it"."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.task import Task
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import MultipleResourcesFound, OperationOutcome, ResourceNotFound

from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region
from joinedup.fhir.mapping import NHS_NUMBER_SYSTEM
from joinedup.fhir.tests.conftest import FHIR, token_of
from joinedup.referrals.models import Referral, ReferralStatus
from joinedup.referrals.selectors import referral_for

pytestmark = pytest.mark.django_db(transaction=True)

# The council's referral to District nursing in the demo region, waiting for an answer.
PRESSURE_SORE = "Pressure sore on her heel noticed at the review visit."


@pytest.fixture
def base(live_server: Any) -> str:
    return f"{live_server.url}{FHIR}"


def _fhirpy(base: str, key: str, **headers: str) -> SyncFHIRClient:
    # `Connection: close`: otherwise the test server's handler threads for error answers stay
    # waiting on the kept-alive socket, holding database connections past the test (on
    # PostgreSQL the test database then cannot be dropped).
    return SyncFHIRClient(
        base,
        authorization=f"Bearer {token_of(Region(), key)}",
        extra_headers={"Connection": "close", **headers},
        requests_config={"timeout": 30},
    )


def _json(resource: Any) -> dict[str, Any]:
    """A fhirpy resource as plain JSON (fhirpy's serialize() has no type hints)."""
    data: dict[str, Any] = resource.serialize()
    return data


def test_the_nurse_reads_and_finds_margaret_and_the_outsider_cannot(base: str) -> None:
    margaret = Region().margaret
    nurse = _fhirpy(base, "nurse")
    before = AuditEvent.objects.count()

    patient = nurse.reference("Patient", str(margaret.pk)).to_resource()
    Patient.model_validate(_json(patient))
    assert patient["name"][0]["family"] == "Price"
    assert {"system": NHS_NUMBER_SYSTEM, "value": "9990001111"}.items() <= patient["identifier"][
        0
    ].items()

    found = nurse.resources("Patient").search(identifier=f"{NHS_NUMBER_SYSTEM}|9990001111").fetch()
    assert [p.id for p in found] == [str(margaret.pk)]
    assert AuditEvent.objects.count() == before + 2  # one read, one search

    outsider = _fhirpy(base, "outsider")
    with pytest.raises(ResourceNotFound) as refused:
        outsider.reference("Patient", str(margaret.pk)).to_resource()
    with pytest.raises(ResourceNotFound) as made_up:
        outsider.reference("Patient", "00000000-0000-4000-8000-000000000000").to_resource()
    assert str(refused.value) == str(made_up.value)
    assert not outsider.resources("Patient").search(identifier="9990001111").fetch()


def test_fhirpy_pages_through_the_tasks_by_following_next_links(base: str) -> None:
    nurse = _fhirpy(base, "nurse")
    first_page = nurse.resources("Task").limit(2).fetch_raw()
    assert first_page["resourceType"] == "Bundle"
    total = first_page["total"]
    assert total > 4  # at least three pages of two
    assert len(first_page["entry"]) == 2
    for entry in first_page["entry"]:
        Task.model_validate(_json(entry["resource"]))
    next_link = [link["url"] for link in first_page["link"] if link["relation"] == "next"]
    assert next_link and next_link[0].startswith(base)

    every = nurse.resources("Task").limit(2).fetch_all()
    assert len(every) == total
    assert len({task.id for task in every}) == total
    all_at_once = nurse.resources("Task").limit(100).fetch()
    assert {task.id for task in every} == {task.id for task in all_at_once}


def test_the_nurse_accepts_a_referral_by_saving_its_task(base: str) -> None:
    region = Region()
    referral = Referral.objects.get(reason=PRESSURE_SORE)
    nurse = _fhirpy(base, "nurse")
    task = nurse.reference("Task", str(referral.pk)).to_resource()
    Task.model_validate(_json(task))
    assert task["status"] == "requested"
    read_version = task["meta"]["versionId"]
    task["status"] = "accepted"

    # fhirpy sends no If-Match of its own: refused, with what to do.
    with pytest.raises(OperationOutcome) as no_version:
        task.save()
    [issue] = no_version.value.resource["issue"]
    assert issue["expression"] == ["If-Match"]
    assert "Send If-Match" in issue["diagnostics"]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REQUESTED

    # With the version it read, as FHIR clients send it.
    read_as = _fhirpy(base, "nurse", **{"If-Match": f'W/"{read_version}"'})
    accepted = read_as.resource("Task", **_json(task))
    accepted.save()
    assert accepted["status"] == "accepted"
    assert int(accepted["meta"]["versionId"]) == int(read_version) + 1

    # The council (the referrer) sees it accepted, by Nadia.
    seen_by_sam = referral_for(region.actor("social_worker"), referral.pk)
    assert seen_by_sam.status == ReferralStatus.ACCEPTED
    latest = seen_by_sam.changes.order_by("-at", "-id").first()
    assert latest is not None
    assert (latest.status, latest.by) == (ReferralStatus.ACCEPTED, region.user("nurse"))

    # The same stale version again: nothing changes.
    stale = read_as.resource("Task", **{**_json(task), "status": "in-progress"})
    with pytest.raises(MultipleResourcesFound) as conflict:
        stale.save()
    assert "Someone changed this referral after you read it" in str(conflict.value)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED

    with pytest.raises(ResourceNotFound):
        _fhirpy(base, "outsider").reference("Task", str(referral.pk)).to_resource()
