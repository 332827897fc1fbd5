"""The fixed parts of the synthetic region: its named organisations, services and teams."""

from __future__ import annotations

from joinedup.directory.models import OrganisationType

# Fixed organisations: key, name, type, ODS code, roles allowed the same-organisation basis.
FIXED_ORGS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    (
        "acute_trust",
        "Calderbridge Royal Infirmary NHS Trust",
        OrganisationType.NHS_TRUST,
        "RXC",
        (),
    ),
    (
        "community_trust",
        "Calderbridge Community Health NHS Trust",
        OrganisationType.NHS_TRUST,
        "RXD",
        (),
    ),
    (
        "mental_health_trust",
        "Calder Valley Mental Health NHS Foundation Trust",
        OrganisationType.NHS_TRUST,
        "RXE",
        (),
    ),
    (
        "council",
        "Calderbridge City Council Adult Social Care",
        OrganisationType.LOCAL_AUTHORITY,
        "XCB01",
        (),
    ),
    (
        "riverside_practice",
        "Riverside Medical Practice",
        OrganisationType.GP_PRACTICE,
        "X81001",
        ("gp",),
    ),
    (
        "hollybank",
        "Hollybank Care Home",
        OrganisationType.CARE_HOME,
        "XCH001",
        ("care_home_manager",),
    ),
    ("oakfield", "Oakfield House", OrganisationType.CARE_HOME, "XCH002", ("care_home_manager",)),
    ("carers_centre", "Calderbridge Carers Centre", OrganisationType.VOLUNTARY, "", ()),
    ("good_neighbours", "Good Neighbours Calderbridge", OrganisationType.VOLUNTARY, "", ()),
    ("home_care", "Calder Home Support", OrganisationType.HOME_CARE, "XHC001", ()),
    ("housing", "Calderbridge Homes", OrganisationType.HOUSING, "", ()),
)

# (organisation key, service name, what it offers, needs, urgent hours, routine working days)
SERVICES: tuple[tuple[str, str, str, tuple[str, ...], int, int], ...] = (
    (
        "community_trust",
        "District nursing",
        "Nursing care at home: wounds, continence, injections, end of life care.",
        ("nursing", "wound care", "end of life"),
        4,
        2,
    ),
    (
        "community_trust",
        "Community therapy",
        "Physiotherapy and occupational therapy at home to keep people moving and independent.",
        ("mobility", "falls", "equipment"),
        24,
        10,
    ),
    (
        "community_trust",
        "Intermediate care and reablement",
        "Up to six weeks of support at home after illness or a hospital stay.",
        ("reablement", "discharge"),
        24,
        3,
    ),
    (
        "acute_trust",
        "Discharge hub",
        "Plans safe discharges from hospital with community partners.",
        ("discharge",),
        4,
        1,
    ),
    (
        "acute_trust",
        "Frailty assessment unit",
        "Same-day assessment for older people living with frailty.",
        ("frailty",),
        4,
        5,
    ),
    (
        "mental_health_trust",
        "Older people's community mental health team",
        "Assessment and support for older people with mental health needs or dementia.",
        ("mental health", "dementia", "memory"),
        24,
        20,
    ),
    (
        "council",
        "Adult social care assessment",
        "Care Act assessments of needs for care and support, and for carers.",
        ("social care", "carer assessment"),
        24,
        20,
    ),
    (
        "council",
        "Adult safeguarding",
        "Enquiries where an adult with care needs is at risk of abuse or neglect.",
        ("safeguarding",),
        2,
        1,
    ),
    (
        "hollybank",
        "Residential and nursing care",
        "Long-stay and respite places with nursing care.",
        ("residential care", "respite", "nursing"),
        48,
        10,
    ),
    (
        "oakfield",
        "Residential dementia care",
        "Residential care for people living with dementia.",
        ("residential care", "dementia"),
        48,
        10,
    ),
    (
        "home_care",
        "Home care",
        "Visits at home for personal care, meals and medicines prompts.",
        ("home care", "personal care"),
        24,
        5,
    ),
    (
        "carers_centre",
        "Carers support",
        "Advice, breaks and peer support for unpaid carers.",
        ("carer support",),
        72,
        10,
    ),
    (
        "good_neighbours",
        "Befriending and practical help",
        "Volunteers who visit, phone and help with shopping and appointments.",
        ("loneliness", "practical help"),
        72,
        15,
    ),
    (
        "housing",
        "Adaptations and housing support",
        "Home adaptations, tenancy support and help moving to suitable housing.",
        ("housing", "adaptations"),
        72,
        20,
    ),
)

TEAMS: tuple[tuple[str, str, str], ...] = (
    ("district_nursing_north", "community_trust", "District nursing: north neighbourhood"),
    ("district_nursing_south", "community_trust", "District nursing: south neighbourhood"),
    ("adult_social_care_north", "council", "Adult social care: north locality team"),
    ("adult_social_care_south", "council", "Adult social care: south locality team"),
    ("discharge_team", "acute_trust", "Integrated discharge team"),
)
