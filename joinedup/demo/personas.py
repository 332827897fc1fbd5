"""The demo personas: staff who sign in to the demo and whom the tests speak as.

Each persona works at one of the region's fixed organisations (keys in region.FIXED_ORGS).
The outsider has no relationship with the featured people, so tests can show access refused."""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.accounts.roles import JobRole
from joinedup.directory.models import Profession, Regulator


@dataclass(frozen=True)
class Persona:
    key: str
    username: str
    given_name: str
    family_name: str
    title: str
    org_key: str
    job_role: JobRole
    profession: Profession
    regulator: Regulator
    registration_number: str
    summary: str
    team_key: str = ""
    is_it_administrator: bool = False


PERSONAS: tuple[Persona, ...] = (
    Persona(
        "nurse",
        "nadia.okafor",
        "Nadia",
        "Okafor",
        "",
        "community_trust",
        JobRole.COMMUNITY_NURSE,
        Profession.NURSE,
        Regulator.NMC,
        "09A1234E",
        "District nurse in the north neighbourhood team; visits people at home for wound care "
        "and long-term conditions.",
        team_key="district_nursing_north",
    ),
    Persona(
        "social_worker",
        "sam.whitaker",
        "Sam",
        "Whitaker",
        "",
        "council",
        JobRole.SOCIAL_WORKER,
        Profession.SOCIAL_WORKER,
        Regulator.SWE,
        "SW104233",
        "Council adult social care social worker; lead professional for several older people "
        "living at home.",
        team_key="adult_social_care_north",
    ),
    Persona(
        "gp",
        "priya.shah",
        "Priya",
        "Shah",
        "Dr",
        "riverside_practice",
        JobRole.GP,
        Profession.DOCTOR,
        Regulator.GMC,
        "7012345",
        "GP partner at Riverside Medical Practice; sees the practice's registered patients.",
    ),
    Persona(
        "care_home_manager",
        "grace.mensah",
        "Grace",
        "Mensah",
        "",
        "hollybank",
        JobRole.CARE_HOME_MANAGER,
        Profession.CARE_MANAGER,
        Regulator.NMC,
        "98B7654C",
        "Registered manager of Hollybank Care Home, a 40-bed residential and nursing home.",
    ),
    Persona(
        "discharge",
        "tom.brennan",
        "Tom",
        "Brennan",
        "",
        "acute_trust",
        JobRole.DISCHARGE_COORDINATOR,
        Profession.NURSE,
        Regulator.NMC,
        "03C4455W",
        "Hospital discharge coordinator at Calderbridge Royal Infirmary; arranges safe "
        "discharges to home and care homes.",
        team_key="discharge_team",
    ),
    Persona(
        "voluntary",
        "aisha.khan",
        "Aisha",
        "Khan",
        "",
        "carers_centre",
        JobRole.VOLUNTARY_WORKER,
        Profession.SUPPORT_WORKER,
        Regulator.NONE,
        "",
        "Carers support worker at Calderbridge Carers Centre; supports families who care.",
    ),
    Persona(
        "privacy_officer",
        "helen.park",
        "Helen",
        "Park",
        "",
        "community_trust",
        JobRole.PRIVACY_OFFICER,
        Profession.INFORMATION_GOVERNANCE,
        Regulator.NONE,
        "",
        "Information governance lead and privacy officer for the community trust; reviews "
        "access and sharing agreements.",
    ),
    Persona(
        "partnership_manager",
        "martin.cole",
        "Martin",
        "Cole",
        "",
        "council",
        JobRole.PARTNERSHIP_MANAGER,
        Profession.MANAGER,
        Regulator.NONE,
        "",
        "Partnership manager for the Calderbridge place partnership of the council, NHS and "
        "voluntary sector.",
    ),
    Persona(
        "outsider",
        "colin.firth",
        "Colin",
        "Firth",
        "",
        "oakfield",
        JobRole.CARE_WORKER,
        Profession.CARE_WORKER,
        Regulator.NONE,
        "",
        "Care worker at Oakfield House; not involved in the featured people's care.",
    ),
    Persona(
        "it_admin",
        "dev.patel",
        "Dev",
        "Patel",
        "",
        "community_trust",
        JobRole.IT_ADMINISTRATOR,
        Profession.ADMINISTRATOR,
        Regulator.NONE,
        "",
        "IT administrator: manages accounts in the admin site; no access to people's records.",
        is_it_administrator=True,
    ),
)

PERSONAS_BY_KEY = {persona.key: persona for persona in PERSONAS}
