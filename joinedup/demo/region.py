"""The synthetic region: a believable, deterministic place for the demo, tests and benchmarks.

`build_region(people=N, seed=S)` makes the same region for the same N and S: NHS trusts, the
council's adult social care, GP practices, care homes, home care and voluntary organisations,
practitioners across professions, and people with families, carers and care teams that span
several organisations. It writes with bulk inserts in chunks, so a million people fit in
memory and time on one machine. Nothing here is a real person, organisation or address."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from joinedup.accounts.models import RoleProfile, User
from joinedup.accounts.roles import JobRole
from joinedup.careteams.models import CareTeamChange, CareTeamMember, CareTeamRole, ChangeKind
from joinedup.core.identifiers import nhs_number_check_digit
from joinedup.demo import names
from joinedup.demo.careplans import seed_care_plans
from joinedup.demo.catalogue import FIXED_ORGS, SERVICES, TEAMS
from joinedup.demo.featured import ABOUT_ME_PHRASES, FEATURED, FEATURED_DUPLICATE
from joinedup.demo.models import GeneratedRegion
from joinedup.demo.personas import PERSONAS, Persona
from joinedup.demo.referrals import seed_referrals
from joinedup.demo.sharing import seed_sharing
from joinedup.directory.models import (
    CapacityStatus,
    Organisation,
    OrganisationType,
    Practitioner,
    Profession,
    Regulator,
    Service,
    Team,
)
from joinedup.people.models import (
    AboutMe,
    AttorneysAct,
    CommunicationNeed,
    LastingPowerOfAttorney,
    LpaStatus,
    LpaType,
    LpaVerification,
    Person,
    PossibleDuplicate,
    Relationship,
    RelationshipKind,
    Sex,
)

CHUNK = 5_000
TODAY = date(2026, 11, 1)  # a fixed "today" so the region is the same whenever it is built


@dataclass
class RegionStats:
    organisations: int = 0
    practitioners: int = 0
    people: int = 0
    relationships: int = 0
    care_team_members: int = 0
    about_me: int = 0
    seconds: float = 0.0


@dataclass
class _Staff:
    """Role profiles of the region grouped by what they do, for building care teams."""

    by_role: dict[str, list[RoleProfile]] = field(default_factory=dict)
    gps_by_practice: dict[Any, list[RoleProfile]] = field(default_factory=dict)
    staff_by_home: dict[Any, list[RoleProfile]] = field(default_factory=dict)


class RegionBuilder:
    def __init__(
        self, *, people: int, seed: int, progress: Callable[[str], None] | None = None
    ) -> None:
        if people < 20:
            raise ValueError("A region needs at least 20 people so every persona has a caseload.")
        self.people = people
        self.seed = seed
        self.rng = random.Random(seed)
        self.progress = progress or (lambda message: None)
        self.stats = RegionStats()
        self.orgs: dict[str, Organisation] = {}
        self.teams: dict[str, Team] = {}
        self.staff = _Staff()
        self.persona_profiles: dict[str, RoleProfile] = {}
        self.gp_practices: list[Organisation] = []
        self.care_homes: list[Organisation] = []
        self._nhs_prefix = 990_000_000 + self.rng.randrange(0, 1_000_000)

    # -- identifiers -------------------------------------------------------------------------
    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _nhs_numbers(self) -> Iterator[str]:
        """Valid NHS numbers in the 9xx range, which NHS England does not issue to patients."""
        prefix = self._nhs_prefix
        while True:
            first_nine = f"{prefix:09d}"
            prefix += 1
            check = nhs_number_check_digit(first_nine)
            if check is not None and len(set(first_nine + str(check))) > 1:
                yield first_nine + str(check)

    def _postcode(self) -> str:
        letters = names.INWARD_LETTERS
        return (
            f"{self.rng.choice(names.OUTWARD_CODES)} {self.rng.randrange(10)}"
            f"{self.rng.choice(letters)}{self.rng.choice(letters)}"
        )

    def _phone(self) -> str:
        return f"07700 900{self.rng.randrange(1000):03d}"  # Ofcom's range for drama

    # -- organisations and staff ------------------------------------------------------------
    def build_directory(self) -> None:
        for key, name, org_type, ods, same_org_roles in FIXED_ORGS:
            self.orgs[key] = Organisation.objects.create(
                id=self._uuid(),
                name=name,
                org_type=org_type,
                ods_code=ods or None,
                is_registered_provider=org_type != OrganisationType.VOLUNTARY,
                postcode=self._postcode(),
                phone=f"01632 960{self.rng.randrange(1000):03d}",
                address=f"{self.rng.randrange(1, 200)} {self.rng.choice(names.STREETS)}, Calderbridge",
                same_organisation_roles=list(same_org_roles),
            )
        extra_practices = max(2, self.people // 8_000)
        extra_homes = max(1, self.people // 25_000)
        new_orgs = [
            Organisation(
                id=self._uuid(),
                name=f"{self.rng.choice(names.STREETS).split()[0]} {kind} {index + 1}",
                org_type=org_type,
                ods_code=f"{prefix}{index + 100:03d}",
                is_registered_provider=True,
                postcode=self._postcode(),
                same_organisation_roles=list(roles),
            )
            for count, kind, org_type, prefix, roles in (
                (extra_practices, "Surgery", OrganisationType.GP_PRACTICE, "X81", ("gp",)),
                (
                    extra_homes,
                    "Lodge Care Home",
                    OrganisationType.CARE_HOME,
                    "XCH",
                    ("care_home_manager",),
                ),
            )
            for index in range(count)
        ]
        Organisation.objects.bulk_create(new_orgs, batch_size=CHUNK)
        self.gp_practices = [self.orgs["riverside_practice"]] + [
            org for org in new_orgs if org.org_type == OrganisationType.GP_PRACTICE
        ]
        self.care_homes = [self.orgs["hollybank"], self.orgs["oakfield"]] + [
            org for org in new_orgs if org.org_type == OrganisationType.CARE_HOME
        ]
        self.stats.organisations = len(self.orgs) + len(new_orgs)
        services = [
            Service(
                id=self._uuid(),
                organisation=self.orgs[org_key],
                name=name,
                description=offer,
                needs_met=list(needs),
                eligibility="Adults living in Calderbridge (CD postcodes).",
                area=", ".join(names.OUTWARD_CODES[:12]),
                accepts_referrals=True,
                referral_route="Refer through joinedup from the person's record.",
                response_target_urgent_hours=urgent,
                response_target_routine_days=routine,
                capacity_status=self.rng.choice(list(CapacityStatus)[:3]),
            )
            for org_key, name, offer, needs, urgent, routine in SERVICES
        ]
        Service.objects.bulk_create(services)
        for key, org_key, name in TEAMS:
            self.teams[key] = Team.objects.create(
                id=self._uuid(), organisation=self.orgs[org_key], name=name
            )
        self._build_personas()
        self._build_staff()

    def _practitioner(
        self, *, profession: str, regulator: str, number: str, **extra: Any
    ) -> Practitioner:
        female = self.rng.random() < 0.7
        return Practitioner(
            id=self._uuid(),
            given_name=self.rng.choice(names.FEMALE_NAMES if female else names.MALE_NAMES),
            family_name=self.rng.choice(names.FAMILY_NAMES),
            profession=profession,
            regulator=regulator,
            registration_number=number,
            registration_verified_at=timezone.now() if regulator != Regulator.NONE else None,
            **extra,
        )

    def _build_personas(self) -> None:
        for persona in PERSONAS:
            user = User.objects.create(
                username=persona.username,
                first_name=persona.given_name,
                last_name=persona.family_name,
                email=f"{persona.username}@calderbridge.invalid",
                password=make_password(demo_password(persona, self.seed)),
                totp_secret=demo_totp_secret(persona, self.seed),
                totp_confirmed_at=timezone.now(),
                is_staff=persona.is_it_administrator,
            )
            practitioner = Practitioner.objects.create(
                id=self._uuid(),
                user=user,
                title=persona.title,
                given_name=persona.given_name,
                family_name=persona.family_name,
                profession=persona.profession,
                regulator=persona.regulator,
                registration_number=persona.registration_number,
                registration_verified_at=timezone.now() if persona.registration_number else None,
                email=user.email,
            )
            self.persona_profiles[persona.key] = RoleProfile.objects.create(
                id=self._uuid(),
                practitioner=practitioner,
                organisation=self.orgs[persona.org_key],
                team=self.teams.get(persona.team_key),
                job_role=persona.job_role,
                starts_on=TODAY - timedelta(days=900),
            )
        # The social worker also covers the hospital's discharge team one day a week: a
        # second role profile shows acting in one role at a time.
        self.persona_profiles["social_worker_hospital"] = RoleProfile.objects.create(
            id=self._uuid(),
            practitioner=self.persona_profiles["social_worker"].practitioner,
            organisation=self.orgs["acute_trust"],
            team=self.teams["discharge_team"],
            job_role=JobRole.SOCIAL_WORKER,
            starts_on=TODAY - timedelta(days=200),
        )

    def _build_staff(self) -> None:
        """Practitioners in proportion to the population, each with one role profile."""
        per_k = max(1, self.people // 1_000)
        plan: list[tuple[str, int, str, str, str, str]] = [
            # (org key or "*practice"/"*home", count, job role, profession, regulator, prefix)
            (
                "community_trust",
                3 * per_k,
                JobRole.COMMUNITY_NURSE,
                Profession.NURSE,
                Regulator.NMC,
                "N",
            ),
            (
                "community_trust",
                per_k,
                JobRole.OCCUPATIONAL_THERAPIST,
                Profession.OCCUPATIONAL_THERAPIST,
                Regulator.HCPC,
                "OT",
            ),
            (
                "community_trust",
                per_k,
                JobRole.PHYSIOTHERAPIST,
                Profession.PHYSIOTHERAPIST,
                Regulator.HCPC,
                "PH",
            ),
            (
                "council",
                2 * per_k,
                JobRole.SOCIAL_WORKER,
                Profession.SOCIAL_WORKER,
                Regulator.SWE,
                "SW",
            ),
            (
                "acute_trust",
                max(1, per_k // 2),
                JobRole.DISCHARGE_COORDINATOR,
                Profession.NURSE,
                Regulator.NMC,
                "N",
            ),
            ("acute_trust", per_k, JobRole.HOSPITAL_DOCTOR, Profession.DOCTOR, Regulator.GMC, "G"),
            (
                "mental_health_trust",
                per_k,
                JobRole.COMMUNITY_NURSE,
                Profession.NURSE,
                Regulator.NMC,
                "N",
            ),
            (
                "carers_centre",
                max(1, per_k // 2),
                JobRole.VOLUNTARY_WORKER,
                Profession.SUPPORT_WORKER,
                Regulator.NONE,
                "",
            ),
            (
                "good_neighbours",
                max(1, per_k // 2),
                JobRole.VOLUNTARY_WORKER,
                Profession.SUPPORT_WORKER,
                Regulator.NONE,
                "",
            ),
            (
                "home_care",
                2 * per_k,
                JobRole.CARE_WORKER,
                Profession.CARE_WORKER,
                Regulator.NONE,
                "",
            ),
            (
                "housing",
                max(1, per_k // 2),
                JobRole.HOUSING_OFFICER,
                Profession.HOUSING_OFFICER,
                Regulator.NONE,
                "",
            ),
            ("*practice", 2, JobRole.GP, Profession.DOCTOR, Regulator.GMC, "G"),
            ("*home", 1, JobRole.CARE_HOME_MANAGER, Profession.CARE_MANAGER, Regulator.NONE, ""),
            ("*home", 3, JobRole.CARE_WORKER, Profession.CARE_WORKER, Regulator.NONE, ""),
        ]
        practitioners: list[Practitioner] = []
        profiles: list[RoleProfile] = []
        serial = 1_000_000
        for org_key, count, role, profession, regulator, prefix in plan:
            targets = (
                [(org, count) for org in self.gp_practices]
                if org_key == "*practice"
                else [(org, count) for org in self.care_homes]
                if org_key == "*home"
                else [(self.orgs[org_key], count)]
            )
            for org, how_many in targets:
                for _ in range(how_many):
                    serial += 1
                    number = _registration_number(regulator, prefix, serial)
                    practitioner = self._practitioner(
                        profession=profession, regulator=regulator, number=number
                    )
                    practitioners.append(practitioner)
                    team = None
                    if role == JobRole.COMMUNITY_NURSE and org_key == "community_trust":
                        team = self.teams[
                            self.rng.choice(["district_nursing_north", "district_nursing_south"])
                        ]
                    if role == JobRole.SOCIAL_WORKER:
                        team = self.teams[
                            self.rng.choice(["adult_social_care_north", "adult_social_care_south"])
                        ]
                    profiles.append(
                        RoleProfile(
                            id=self._uuid(),
                            practitioner=practitioner,
                            organisation=org,
                            team=team,
                            job_role=role,
                            starts_on=TODAY - timedelta(days=self.rng.randrange(30, 3000)),
                        )
                    )
        Practitioner.objects.bulk_create(practitioners, batch_size=CHUNK)
        RoleProfile.objects.bulk_create(profiles, batch_size=CHUNK)
        self.stats.practitioners = len(practitioners) + len(PERSONAS)
        for profile in [*profiles, *self.persona_profiles.values()]:
            if profile.job_role == JobRole.IT_ADMINISTRATOR:
                continue
            self.staff.by_role.setdefault(
                f"{profile.job_role}@{profile.organisation_id}", []
            ).append(profile)
            if profile.job_role == JobRole.GP:
                self.staff.gps_by_practice.setdefault(profile.organisation_id, []).append(profile)
            if profile.organisation in self.care_homes and profile.job_role in (
                JobRole.CARE_HOME_MANAGER,
                JobRole.CARE_WORKER,
            ):
                self.staff.staff_by_home.setdefault(profile.organisation_id, []).append(profile)

    def _pick(self, role: str, org_key: str) -> RoleProfile:
        return self.rng.choice(self.staff.by_role[f"{role}@{self.orgs[org_key].pk}"])

    # -- people ------------------------------------------------------------------------------
    def build_people(self) -> None:
        numbers = self._nhs_numbers()
        done = 0
        while done < self.people:
            size = min(CHUNK, self.people - done)
            with transaction.atomic():
                self._build_chunk(size, numbers, first=done == 0)
            done += size
            self.progress(f"{done:,} of {self.people:,} people")

    def _build_chunk(self, size: int, numbers: Iterator[str], *, first: bool) -> None:
        rng = self.rng
        people: list[Person] = []
        relationships: list[Relationship] = []
        members: list[CareTeamMember] = []
        about_mes: list[AboutMe] = []
        lpas: list[tuple[LastingPowerOfAttorney, Relationship]] = []
        for index in range(size):
            featured = FEATURED[index] if first and index < len(FEATURED) else None
            person = self._person(next(numbers), featured)
            people.append(person)
            family = self._family(person, featured)
            relationships.extend(family)
            members.extend(self._care_team(person, family, featured))
            if featured or rng.random() < 0.5:
                about_mes.append(self._about_me(person, featured))
            attorney = next((r for r in family if r.kind == RelationshipKind.ATTORNEY), None)
            if attorney is not None:
                lpas.append((self._lpa(person, featured), attorney))
        Person.objects.bulk_create(people, batch_size=CHUNK)
        Relationship.objects.bulk_create(relationships, batch_size=CHUNK)
        CareTeamMember.objects.bulk_create(members, batch_size=CHUNK)
        CareTeamChange.objects.bulk_create(
            [
                CareTeamChange(
                    member=m,
                    person_id=m.person_id,
                    kind=ChangeKind.ADDED,
                    role=m.role,
                    responsibilities=m.responsibilities,
                    starts_on=m.starts_on,
                    reason="Recorded when the region was generated",
                )
                for m in members
            ],
            batch_size=CHUNK,
        )
        AboutMe.objects.bulk_create(about_mes, batch_size=CHUNK)
        LastingPowerOfAttorney.objects.bulk_create([lpa for lpa, _ in lpas], batch_size=CHUNK)
        through = LastingPowerOfAttorney.attorneys.through
        through.objects.bulk_create(
            [
                through(lastingpowerofattorney_id=lpa.pk, relationship_id=attorney.pk)
                for lpa, attorney in lpas
            ],
            batch_size=CHUNK,
        )
        self.stats.people += len(people)
        self.stats.relationships += len(relationships)
        self.stats.care_team_members += len(members)
        self.stats.about_me += len(about_mes)

    def _person(self, nhs_number: str, featured: dict[str, Any] | None) -> Person:
        rng = self.rng
        sex = rng.choice([Sex.FEMALE, Sex.MALE]) if rng.random() < 0.995 else Sex.INDETERMINATE
        pool = names.FEMALE_NAMES if sex == Sex.FEMALE else names.MALE_NAMES
        born = TODAY - timedelta(days=rng.randrange(18 * 365, 101 * 365))
        language = rng.choice(names.LANGUAGES)
        needs: list[str] = []
        if rng.random() < 0.12:
            needs = rng.sample([need.value for need in CommunicationNeed], k=rng.choice([1, 1, 2]))
        values: dict[str, Any] = {
            "id": self._uuid(),
            "nhs_number": nhs_number if rng.random() > 0.004 else "",
            "given_name": rng.choice(pool),
            "family_name": rng.choice(names.FAMILY_NAMES),
            "date_of_birth": born,
            "sex": sex,
            "address_line_1": f"{rng.randrange(1, 240)} {rng.choice(names.STREETS)}",
            "town": rng.choice(names.TOWNS),
            "postcode": self._postcode(),
            "phone": self._phone(),
            "gp_practice": rng.choice(self.gp_practices),
            "preferred_language": language,
            "interpreter_needed": language not in ("English",) and rng.random() < 0.6,
            "communication_needs": needs,
        }
        if featured:
            values.update(featured["person"])
            values["gp_practice"] = self.orgs[featured.get("gp", "riverside_practice")]
        return Person(**values)

    def _family(self, person: Person, featured: dict[str, Any] | None) -> list[Relationship]:
        rng = self.rng
        specs: list[dict[str, Any]] = list(featured["family"]) if featured else []
        if not featured:
            for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
                female = rng.random() < 0.6
                specs.append(
                    {
                        "kind": rng.choice(
                            [RelationshipKind.FAMILY] * 6
                            + [
                                RelationshipKind.CARER,
                                RelationshipKind.FRIEND,
                                RelationshipKind.ADVOCATE,
                            ]
                        ),
                        "relationship": rng.choice(
                            names.RELATIONSHIP_WORDS["female" if female else "male"]
                        ),
                        "given_name": rng.choice(
                            names.FEMALE_NAMES if female else names.MALE_NAMES
                        ),
                        "family_name": person.family_name
                        if rng.random() < 0.7
                        else rng.choice(names.FAMILY_NAMES),
                    }
                )
            if specs:
                specs[0]["is_next_of_kin"] = True
                specs[0]["is_main_carer"] = rng.random() < 0.4
                if rng.random() < 0.06:
                    specs[0]["kind"] = RelationshipKind.ATTORNEY
        return [
            Relationship(
                id=self._uuid(),
                person=person,
                phone=self._phone(),
                email=f"{spec['given_name'].lower()}.{spec['family_name'].lower().replace(chr(39), '')}@example.com",
                **spec,
            )
            for spec in specs
        ]

    def _care_team(
        self, person: Person, family: list[Relationship], featured: dict[str, Any] | None
    ) -> list[CareTeamMember]:
        rng = self.rng
        chosen: list[tuple[RoleProfile, str, str]] = []
        if featured:
            for key, role, words in featured["team"]:
                chosen.append((self.persona_profiles[key], role, words))
        else:
            practice_gps = (
                self.staff.gps_by_practice.get(person.gp_practice_id)
                if person.gp_practice_id
                else None
            )
            if practice_gps and rng.random() < 0.35:
                chosen.append(
                    (rng.choice(practice_gps), CareTeamRole.MEMBER, "GP: medical care and reviews")
                )
            if rng.random() < 0.3:
                chosen.append(
                    (
                        self._pick(JobRole.COMMUNITY_NURSE, "community_trust"),
                        CareTeamRole.KEY_WORKER,
                        "District nursing visits",
                    )
                )
            if rng.random() < 0.15:
                chosen.append(
                    (
                        self._pick(JobRole.SOCIAL_WORKER, "council"),
                        CareTeamRole.LEAD_PROFESSIONAL,
                        "Care Act assessment and support plan",
                    )
                )
            if rng.random() < 0.04:
                home = rng.choice(self.care_homes)
                chosen.append(
                    (
                        rng.choice(self.staff.staff_by_home[home.pk]),
                        CareTeamRole.MEMBER,
                        "Care home: day-to-day care",
                    )
                )
            if rng.random() < 0.08:
                chosen.append(
                    (
                        self._pick(JobRole.CARE_WORKER, "home_care"),
                        CareTeamRole.MEMBER,
                        "Home care visits",
                    )
                )
            if rng.random() < 0.06:
                chosen.append(
                    (
                        self._pick(JobRole.VOLUNTARY_WORKER, "carers_centre"),
                        CareTeamRole.MEMBER,
                        "Support for the family carer",
                    )
                )
            if rng.random() < 0.02:
                chosen.append(
                    (
                        self._pick(JobRole.DISCHARGE_COORDINATOR, "acute_trust"),
                        CareTeamRole.MEMBER,
                        "Planning discharge from hospital",
                    )
                )
            if rng.random() < 0.05:
                chosen.append(
                    (
                        self._pick(JobRole.OCCUPATIONAL_THERAPIST, "community_trust"),
                        CareTeamRole.MEMBER,
                        "Equipment and adaptations",
                    )
                )
        members: list[CareTeamMember] = []
        seen: set[Any] = set()
        for profile, role, words in chosen:
            if profile.pk in seen:
                continue
            seen.add(profile.pk)
            members.append(
                CareTeamMember(
                    id=self._uuid(),
                    person=person,
                    role_profile=profile,
                    organisation_id=profile.organisation_id,
                    role=role,
                    responsibilities=words,
                    starts_on=TODAY - timedelta(days=rng.randrange(1, 700)),
                )
            )
        carers = [r for r in family if r.is_main_carer]
        if carers:
            members.append(
                CareTeamMember(
                    id=self._uuid(),
                    person=person,
                    relationship=carers[0],
                    role=CareTeamRole.MEMBER,
                    responsibilities="Main carer",
                    starts_on=TODAY - timedelta(days=rng.randrange(1, 700)),
                )
            )
        return members

    def _about_me(self, person: Person, featured: dict[str, Any] | None) -> AboutMe:
        rng = self.rng
        sections = (
            featured["about_me"]
            if featured
            else {
                "what_matters_most": rng.choice(ABOUT_ME_PHRASES["what_matters_most"]),
                "people_important_to_me": rng.choice(ABOUT_ME_PHRASES["people_important_to_me"]),
                "please_do": rng.choice(ABOUT_ME_PHRASES["please_do"]),
                "please_dont": rng.choice(ABOUT_ME_PHRASES["please_dont"]),
            }
        )
        return AboutMe(person=person, version=1, **sections)

    def _lpa(self, person: Person, featured: dict[str, Any] | None) -> LastingPowerOfAttorney:
        registered = TODAY - timedelta(days=self.rng.randrange(100, 2000))
        return LastingPowerOfAttorney(
            id=self._uuid(),
            person=person,
            lpa_type=LpaType.HEALTH_AND_WELFARE,
            attorneys_act=AttorneysAct.SOLE,
            covers_life_sustaining_treatment=self.rng.random() < 0.5,
            registration_reference=f"7000-{self.rng.randrange(10**8):08d}-{self.rng.randrange(10**4):04d}",
            registered_on=registered,
            status=LpaStatus.REGISTERED,
            verification=LpaVerification.OPG_ONLINE,
            verified_at=timezone.now(),
        )

    def flag_seeded_duplicates(self) -> None:
        """The featured duplicate pair shows the possible-duplicate warning in the demo."""
        a = (
            Person.objects.filter(nhs_number=FEATURED[0]["person"]["nhs_number"])
            .order_by("created_at")
            .first()
        )
        twin = FEATURED_DUPLICATE
        if a is None:
            return
        b = Person.objects.create(
            id=self._uuid(), gp_practice=self.orgs["riverside_practice"], **twin
        )
        CareTeamMember.objects.create(
            id=self._uuid(),
            person=b,
            role_profile=self.persona_profiles["gp"],
            organisation=self.orgs["riverside_practice"],
            role=CareTeamRole.MEMBER,
            responsibilities="Registered at the practice",
            starts_on=TODAY,
        )
        PossibleDuplicate.objects.bulk_create(
            [
                PossibleDuplicate(
                    person=a, other=b, reason="Same name, date of birth and postcode"
                ),
                PossibleDuplicate(
                    person=b, other=a, reason="Same name, date of birth and postcode"
                ),
            ]
        )


def _registration_number(regulator: str, prefix: str, serial: int) -> str:
    if regulator == Regulator.GMC:
        return f"{serial % 10_000_000:07d}"
    if regulator == Regulator.NMC:
        return f"{serial % 100:02d}{'ABCDEFGHIJ'[serial % 10]}{serial % 10_000:04d}{'EWSNO'[serial % 5]}"
    if regulator == Regulator.HCPC:
        return f"{prefix}{serial % 1_000_000:06d}"
    if regulator == Regulator.SWE:
        return f"SW{serial % 1_000_000:06d}"
    return ""


def demo_password(persona: Persona, seed: int) -> str:
    """A demo password, the same for the same seed; shown by `joinedup demo-accounts`."""
    rng = random.Random(f"password:{persona.username}:{seed}")
    words = (
        "heron",
        "moor",
        "canal",
        "willow",
        "beacon",
        "slate",
        "mill",
        "fern",
        "brook",
        "ridge",
    )
    return (
        f"{rng.choice(words)}-{rng.choice(words)}-{rng.randrange(1000, 9999)}-{rng.choice(words)}"
    )


def demo_totp_secret(persona: Persona, seed: int) -> str:
    rng = random.Random(f"totp:{persona.username}:{seed}")
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(32))


def region_exists() -> bool:
    """Whether anything of a region is in the database, finished or not."""
    return GeneratedRegion.objects.exists() or Organisation.objects.exists()


def finished_region() -> GeneratedRegion | None:
    """The region whose build completed, or None if there is none (or it was interrupted)."""
    return GeneratedRegion.objects.filter(finished_at__isnull=False).order_by("-started_at").first()


def build_region(
    *, people: int, seed: int, progress: Callable[[str], None] | None = None
) -> RegionStats:
    """Build the whole region into an empty database. See the module docstring."""
    import time

    started = time.monotonic()
    if region_exists():
        raise RuntimeError("The database already holds a region; use an empty database.")
    # Recorded first and finished last: a build stopped half-way is then known to be unfinished.
    record = GeneratedRegion.objects.create(people=people, seed=seed)
    builder = RegionBuilder(people=people, seed=seed, progress=progress)
    with transaction.atomic():
        builder.build_directory()
    builder.build_people()
    with transaction.atomic():
        builder.flag_seeded_duplicates()
        seed_sharing(builder)
        seed_care_plans(builder)
        seed_referrals(builder)
        record.finished_at = timezone.now()
        record.save(update_fields=["finished_at"])
    builder.stats.people += 1
    builder.stats.seconds = time.monotonic() - started
    return builder.stats
