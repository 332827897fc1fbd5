"""The permission matrix: every job role, every basis and every action, generated from the
permission table (permissions.toml), checked against what the access policy decides.

For each role and basis the test builds a situation in which an actor of that role has exactly
that basis for Margaret and no other, then asks `decide` about every action: it must allow
exactly the actions the table lists for that role and basis, and give that basis. Roles the
table leaves out (IT administrators) must be refused everything. Each case also checks the
near miss that must be refused: a same-organisation role the organisation does not allow, and
a break-glass access that has expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from joinedup.accounts.models import ApiClient, ClientScope, RoleProfile
from joinedup.accounts.roles import JobRole
from joinedup.careteams.models import CareTeamMember
from joinedup.conftest import Region
from joinedup.directory.models import Organisation, OrganisationType, Service
from joinedup.people.models import Person
from joinedup.referrals.models import Referral, ReferralStatus
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import BreakGlass, BreakGlassReason
from joinedup.sharing.policy import (
    Action,
    Basis,
    client_permissions,
    decide,
    permission_table,
    region_loader_actions,
)

ROLES = sorted(JobRole.values)
CASES = [(role, basis) for role in ROLES for basis in Basis]


def table_says(role: str, basis: Basis) -> frozenset[Action]:
    return permission_table().get(role, {}).get(basis, frozenset())


def mismatches(
    actor: Actor, person: Person, basis: Basis, expected: frozenset[Action], situation: str
) -> list[str]:
    """Every action on which the policy and the table disagree, in words naming the cell."""
    wrong = []
    for action in Action:
        decision = decide(actor, action, person)
        should = action in expected
        if decision.allowed != should or (should and decision.basis is not basis):
            wrong.append(
                f"{actor.job_role} / {basis} / {action} ({situation}): the table says "
                f"{'allowed' if should else 'refused'}, the policy says "
                f"{'allowed' if decision.allowed else 'refused'} on basis {decision.basis} "
                f"({decision.reason})"
            )
    return wrong


class Situation:
    """A fresh organisation with a role profile of the job role under test, for a practitioner
    the region already has (its own role profiles play no part: access follows the profile)."""

    def __init__(self, region: Region, role: str, basis: Basis) -> None:
        self.person = region.margaret
        self.user = region.user("outsider")
        self.organisation = Organisation.objects.create(
            name=f"Matrix {role} {basis}",
            org_type=OrganisationType.OTHER,
            same_organisation_roles=[],
        )
        assert self.person.gp_practice_id != self.organisation.pk
        self.profile = self.new_profile(role)

    def new_profile(self, role: str) -> RoleProfile:
        return RoleProfile.objects.create(
            practitioner=self.user.practitioner,
            organisation=self.organisation,
            job_role=role,
        )

    def actor(self) -> Actor:
        # Read again, so the organisation's current settings are what the policy sees.
        profile = RoleProfile.objects.select_related("organisation").get(pk=self.profile.pk)
        return Actor.staff(self.user, profile)

    def join_care_team(self, profile: RoleProfile) -> None:
        CareTeamMember.objects.create(
            person=self.person,
            role_profile=profile,
            organisation=self.organisation,
            starts_on=timezone.localdate(),
        )

    def allow_same_organisation(self, roles: list[str]) -> None:
        self.organisation.same_organisation_roles = roles
        self.organisation.save(update_fields=["same_organisation_roles"])

    def referral_to_organisation(self, region: Region, *, status: str) -> Referral:
        """A referral for the person from Margaret's nurse to a service of this organisation."""
        service = Service.objects.create(
            organisation=self.organisation, name=f"Service of {self.organisation.name}"
        )
        nurse = region.role_profile("nurse")
        return Referral.objects.create(
            person=self.person,
            requester=nurse,
            requester_organisation_id=nurse.organisation_id,
            service=service,
            receiving_organisation=self.organisation,
            reason="Permission matrix test: a referral.",
            status=status,
        )

    def break_glass(self, *, expires_in: timedelta) -> BreakGlass:
        now = timezone.now()
        return BreakGlass.objects.create(
            person=self.person,
            user=self.user,
            role_profile=self.profile,
            reason_code=BreakGlassReason.EMERGENCY_CARE,
            reason="Permission matrix test: emergency access.",
            starts_at=min(now, now + expires_in - timedelta(hours=1)),
            expires_at=now + expires_in,
        )


@pytest.mark.parametrize(("role", "basis"), CASES, ids=[f"{r}-{b}" for r, b in CASES])
def test_the_policy_decides_what_the_table_says(region: Region, role: str, basis: Basis) -> None:
    situation = Situation(region, role, basis)
    expected = table_says(role, basis)
    nothing: frozenset[Action] = frozenset()
    wrong: list[str] = []
    # With no basis at all, nothing is allowed.
    wrong += mismatches(situation.actor(), situation.person, basis, nothing, "no basis yet")

    if basis is Basis.CARE_TEAM:
        situation.join_care_team(situation.profile)
        wrong += mismatches(situation.actor(), situation.person, basis, expected, "care team")

    elif basis is Basis.SAME_ORGANISATION:
        # A colleague in the care team makes the organisation involved; this profile is not.
        situation.join_care_team(situation.new_profile(JobRole.COMMUNITY_NURSE))
        situation.allow_same_organisation([role])
        wrong += mismatches(
            situation.actor(), situation.person, basis, expected, "role allowed by organisation"
        )
        situation.allow_same_organisation([other for other in ROLES if other != role])
        wrong += mismatches(
            situation.actor(), situation.person, basis, nothing, "role not allowed by organisation"
        )

    elif basis is Basis.REGION_LOADER:
        # Only the region loader has it: no member of staff, whatever their organisation.
        situation.join_care_team(situation.new_profile(JobRole.COMMUNITY_NURSE))
        wrong += mismatches(situation.actor(), situation.person, basis, expected, "loading")

    elif basis is Basis.ORGANISATION_SYSTEM:
        # For registered systems only: staff never act on it, even with their organisation
        # involved and nothing else allowed.
        situation.join_care_team(situation.new_profile(JobRole.COMMUNITY_NURSE))
        wrong += mismatches(situation.actor(), situation.person, basis, expected, "involved")

    elif basis is Basis.REFERRAL_RECIPIENT:
        referral = situation.referral_to_organisation(region, status=ReferralStatus.DRAFT)
        wrong += mismatches(situation.actor(), situation.person, basis, nothing, "draft")
        for status in (ReferralStatus.REQUESTED, ReferralStatus.IN_PROGRESS):
            Referral.objects.filter(pk=referral.pk).update(status=status)
            wrong += mismatches(situation.actor(), situation.person, basis, expected, status)
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.COMPLETED)
        wrong += mismatches(situation.actor(), situation.person, basis, nothing, "completed")

    else:
        situation.break_glass(expires_in=-timedelta(minutes=1))
        wrong += mismatches(situation.actor(), situation.person, basis, nothing, "expired")
        situation.break_glass(expires_in=timedelta(hours=1))
        wrong += mismatches(situation.actor(), situation.person, basis, expected, "in force")

    assert not wrong, "\n".join(wrong)


SCOPES = sorted(ClientScope.values)


@pytest.mark.parametrize("scope", SCOPES)
def test_a_system_client_may_do_what_its_scope_says(region: Region, scope: str) -> None:
    """A client of an organisation, with one scope: nothing until the person is in the
    organisation's care; then exactly the scope's actions on the organisation_system basis;
    nothing once revoked."""
    situation = Situation(region, JobRole.COMMUNITY_NURSE, Basis.ORGANISATION_SYSTEM)
    client = ApiClient.objects.create(
        name=f"Matrix system {scope}", organisation=situation.organisation, scopes=[scope]
    )
    actor = Actor.system_client(client, channel="api")
    basis = Basis.ORGANISATION_SYSTEM
    expected = client_permissions()[scope]
    nothing: frozenset[Action] = frozenset()
    wrong = mismatches(actor, situation.person, basis, nothing, f"{scope}: not in care")
    situation.join_care_team(situation.profile)
    wrong += mismatches(actor, situation.person, basis, expected, f"{scope}: in care")
    client.revoked_at = timezone.now()
    wrong += mismatches(actor, situation.person, basis, nothing, f"{scope}: revoked")
    assert not wrong, "\n".join(wrong)


def test_the_region_loader_may_load_anyone_and_nothing_more(region: Region) -> None:
    loader = Actor.region_loader("fhir import")
    expected = region_loader_actions()
    wrong = mismatches(loader, region.margaret, Basis.REGION_LOADER, expected, "loading")
    assert not wrong, "\n".join(wrong)
    assert Action.RECORD_DISCLOSURE not in expected
    assert Action.VIEW_ACCESS_LOG not in expected
    # Any other system job (the export, the referral deadlines) is not a loader.
    assert not decide(Actor.system("fhir export"), Action.VIEW_PERSON, region.margaret).allowed


def test_the_matrix_covers_every_role_basis_and_action() -> None:
    assert len(CASES) == len(JobRole.values) * len(Basis)
    assert JobRole.IT_ADMINISTRATOR in ROLES


def test_the_table_names_every_basis_and_every_action_and_only_job_roles() -> None:
    table = permission_table()
    assert set(table) <= set(JobRole.values)
    assert JobRole.IT_ADMINISTRATOR not in table
    named_bases = {basis for bases in table.values() for basis, actions in bases.items() if actions}
    named_actions = {
        action for bases in table.values() for actions in bases.values() for action in actions
    }
    # Staff roles name every basis but the one for registered systems, whose column is the
    # [clients] table: one entry per scope.
    assert named_bases == set(Basis) - {Basis.ORGANISATION_SYSTEM, Basis.REGION_LOADER}
    assert named_actions == set(Action)
    assert set(client_permissions()) == set(ClientScope.values)
    assert all(client_permissions().values())


def test_the_check_notices_a_cell_the_policy_gets_wrong(region: Region) -> None:
    situation = Situation(region, JobRole.COMMUNITY_NURSE, Basis.CARE_TEAM)
    situation.join_care_team(situation.profile)
    wrong_table = table_says(JobRole.COMMUNITY_NURSE, Basis.CARE_TEAM) - {Action.VIEW_PERSON}

    [wrong] = mismatches(
        situation.actor(), situation.person, Basis.CARE_TEAM, wrong_table, "care team"
    )

    assert wrong.startswith("community_nurse / care_team / person.view (care team): the table")
