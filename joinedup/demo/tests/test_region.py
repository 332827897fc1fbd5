"""The synthetic region: deterministic, valid identifiers, and care teams that span agencies."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from joinedup.careteams.models import CareTeamMember
from joinedup.conftest import REGION_SEED, Region
from joinedup.core.identifiers import is_valid_nhs_number, is_valid_postcode
from joinedup.demo.models import GeneratedRegion
from joinedup.demo.personas import PERSONAS
from joinedup.directory.models import Organisation, OrganisationType
from joinedup.people.models import Person


def test_every_nhs_number_and_postcode_is_valid(region: Region) -> None:
    for nhs_number, postcode in Person.objects.values_list("nhs_number", "postcode"):
        assert nhs_number == "" or is_valid_nhs_number(nhs_number)
        assert is_valid_postcode(postcode)


def test_the_region_has_every_kind_of_organisation(region: Region) -> None:
    kinds = set(Organisation.objects.values_list("org_type", flat=True))
    assert {
        OrganisationType.NHS_TRUST,
        OrganisationType.GP_PRACTICE,
        OrganisationType.LOCAL_AUTHORITY,
        OrganisationType.CARE_HOME,
        OrganisationType.HOME_CARE,
        OrganisationType.VOLUNTARY,
        OrganisationType.HOUSING,
    } <= kinds


def test_margarets_care_team_spans_at_least_three_organisations(region: Region) -> None:
    organisations = (
        CareTeamMember.objects.filter(person=region.margaret, organisation__isnull=False)
        .values("organisation")
        .distinct()
        .count()
    )
    assert organisations >= 3


def test_every_persona_but_the_outsider_and_admins_has_people(region: Region) -> None:
    with_people = set(
        CareTeamMember.objects.filter(role_profile__practitioner__user__isnull=False)
        .values("role_profile__practitioner__user__username")
        .annotate(n=Count("id"))
        .values_list("role_profile__practitioner__user__username", flat=True)
    )
    for key in ("nurse", "social_worker", "gp", "care_home_manager", "discharge", "voluntary"):
        assert next(p.username for p in PERSONAS if p.key == key) in with_people


def test_seeding_twice_refuses_and_if_empty_leaves_it_alone(region: Region) -> None:
    with pytest.raises(CommandError, match="already holds a region"):
        call_command("seed_region", people=20)
    call_command("seed_region", people=20, if_empty=True)


def test_an_interrupted_build_is_reported_not_mistaken_for_a_region(region: Region) -> None:
    GeneratedRegion.objects.update(finished_at=None)  # as if the build had been stopped

    with pytest.raises(CommandError, match="never finished"):
        call_command("seed_region", people=20, if_empty=True)
    with pytest.raises(CommandError, match="No finished demo region"):
        call_command("demo_accounts")


def test_the_build_records_its_size_and_seed(region: Region) -> None:
    record = GeneratedRegion.objects.get()
    assert record.is_finished
    assert record.seed == REGION_SEED
    assert Person.objects.count() == record.people + 1  # and the featured duplicate


def test_demo_accounts_lists_every_persona_with_a_working_password(
    region: Region, capsys: pytest.CaptureFixture[str]
) -> None:
    # No --seed: the command uses the seed recorded when the region was built.
    call_command("demo_accounts", json=True)
    accounts = json.loads(capsys.readouterr().out)
    assert {a["username"] for a in accounts} == {p.username for p in PERSONAS}
    nurse = next(a for a in accounts if a["username"] == "nadia.okafor")
    assert region.user("nurse").check_password(nurse["password"])
    assert nurse["totp_secret"] == region.user("nurse").totp_secret
    assert nurse["role"] == "Community nurse"


def test_demo_accounts_refuses_production_settings(region: Region, settings: object) -> None:
    settings.JOINEDUP_DEMO_ALLOWED = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="production"):
        call_command("demo_accounts")
