"""The featured people every demo and test relies on, and the phrases for everyone else's
About Me. Nothing here is a real person."""

from __future__ import annotations

from datetime import date
from typing import Any

from joinedup.careteams.models import CareTeamRole
from joinedup.people.models import CommunicationNeed, RelationshipKind, Sex

ABOUT_ME_PHRASES: dict[str, tuple[str, ...]] = {
    "what_matters_most": (
        "Staying in my own home with my cat.",
        "Getting to chapel on Sundays.",
        "Seeing my grandchildren every week.",
        "Being able to get out into the garden.",
        "Keeping my independence for as long as I can.",
        "Going to the lunch club on Thursdays.",
    ),
    "people_important_to_me": (
        "My daughter, who phones every evening.",
        "My neighbour Jean, who has a key.",
        "My son and his family in Leeds.",
        "My friends from the allotment.",
    ),
    "please_do": (
        "Knock loudly and give me time to get to the door.",
        "Talk to me, not to whoever is with me.",
        "Explain things slowly and write them down for me.",
        "Ring my daughter if you are worried about me.",
    ),
    "please_dont": (
        "Don't come before 9 in the morning.",
        "Don't move things around in my kitchen.",
        "Don't call me 'love'.",
        "Don't talk over me.",
    ),
}

# The featured people every demo and test relies on: their care teams span organisations and
# include the personas. NHS numbers are valid (Modulus 11) numbers in the 9xx range.
FEATURED: tuple[dict[str, Any], ...] = (
    {
        "person": {
            "nhs_number": "9990001111",
            "title": "Mrs",
            "given_name": "Margaret",
            "family_name": "Price",
            "preferred_name": "Peggy",
            "date_of_birth": date(1944, 3, 12),
            "sex": Sex.FEMALE,
            "gender_identity": "Woman",
            "pronouns": "she/her",
            "address_line_1": "14 Weavers Row",
            "town": "Calderbridge",
            "postcode": "CD3 4PQ",
            "phone": "07700 900123",
            "preferred_language": "English",
            "communication_needs": [
                CommunicationNeed.LARGE_PRINT.value,
                CommunicationNeed.HEARING_LOOP.value,
            ],
            "communication_notes": "Wears a hearing aid in her left ear. Face her when speaking.",
        },
        "family": (
            {
                "kind": RelationshipKind.ATTORNEY,
                "relationship": "daughter",
                "given_name": "Sarah",
                "family_name": "Price",
                "is_next_of_kin": True,
                "is_main_carer": True,
                "address": "2 Fern Bank, Brigfield",
                "postcode": "CD7 2LX",
            },
            {
                "kind": RelationshipKind.FAMILY,
                "relationship": "son",
                "given_name": "David",
                "family_name": "Price",
            },
            {
                "kind": RelationshipKind.FRIEND,
                "relationship": "neighbour",
                "given_name": "Jean",
                "family_name": "Holroyd",
                "notes": "Has a key to the house.",
            },
        ),
        "team": (
            (
                "social_worker",
                CareTeamRole.LEAD_PROFESSIONAL,
                "Care Act assessment, support plan and reviews",
            ),
            ("nurse", CareTeamRole.KEY_WORKER, "Leg ulcer dressings twice a week; diabetes checks"),
            ("gp", CareTeamRole.MEMBER, "Medical care; medication reviews"),
            ("voluntary", CareTeamRole.MEMBER, "Support for Sarah as a carer; carer's breaks"),
            ("discharge", CareTeamRole.MEMBER, "Planning discharge after her fall in October"),
        ),
        "about_me": {
            "what_matters_most": "Staying in my own home on Weavers Row, where I've lived for 50 years.",
            "people_important_to_me": "My daughter Sarah, my son David, and Jean next door.",
            "how_i_communicate": "I'm hard of hearing. Face me, speak clearly, and write important things down in big letters.",
            "my_wellness": "My legs get sore and swollen. I feel better when I get out to the shops.",
            "please_do": "Call me Peggy. Ring Sarah if you're worried about me.",
            "please_dont": "Don't rush me, and don't talk to Sarah instead of me.",
            "how_and_when_to_support_me": "Mornings are best. I need help with my stockings and the bath.",
            "also_worth_knowing": "I was a weaver at Dean Clough mill and I love brass band music.",
            "supported_to_write_by": "Sarah Price (daughter)",
        },
    },
    {
        "person": {
            "nhs_number": "9990002045",
            "title": "Mr",
            "given_name": "Arthur",
            "family_name": "Bell",
            "date_of_birth": date(1938, 7, 2),
            "sex": Sex.MALE,
            "address_line_1": "Hollybank Care Home, 3 Hollins Lane",
            "town": "Calderbridge",
            "postcode": "CD5 1HB",
            "preferred_language": "English",
            "communication_needs": [
                CommunicationNeed.EASY_READ.value,
                CommunicationNeed.EXTRA_TIME.value,
            ],
            "communication_notes": "Lives with dementia; short sentences and one question at a time.",
        },
        "family": (
            {
                "kind": RelationshipKind.FAMILY,
                "relationship": "wife",
                "given_name": "Edna",
                "family_name": "Bell",
                "is_next_of_kin": True,
            },
            {
                "kind": RelationshipKind.ADVOCATE,
                "relationship": "independent advocate",
                "given_name": "Owen",
                "family_name": "Rhys",
            },
        ),
        "team": (
            ("care_home_manager", CareTeamRole.KEY_WORKER, "Day-to-day care at Hollybank"),
            ("gp", CareTeamRole.MEMBER, "Weekly ward round at Hollybank"),
            ("social_worker", CareTeamRole.LEAD_PROFESSIONAL, "Annual review of his placement"),
        ),
        "about_me": {
            "what_matters_most": "Edna visiting, and a cup of tea with two sugars.",
            "please_do": "Tell me who you are each time. Play Glenn Miller.",
            "please_dont": "Don't wake me before eight.",
        },
        "gp": "riverside_practice",
    },
    {
        "person": {
            "nhs_number": "9990003025",
            "title": "Ms",
            "given_name": "Fatima",
            "family_name": "Hussain",
            "date_of_birth": date(1961, 11, 20),
            "sex": Sex.FEMALE,
            "address_line_1": "7 Bank Top",
            "town": "Brigfield",
            "postcode": "CD7 9QT",
            "preferred_language": "Urdu",
            "interpreter_needed": True,
            "communication_needs": [CommunicationNeed.TELEPHONE.value],
        },
        "family": (
            {
                "kind": RelationshipKind.CARER,
                "relationship": "son",
                "given_name": "Imran",
                "family_name": "Hussain",
                "is_next_of_kin": True,
                "is_main_carer": True,
            },
        ),
        "team": (
            ("nurse", CareTeamRole.LEAD_PROFESSIONAL, "Insulin and diabetes management at home"),
            ("voluntary", CareTeamRole.MEMBER, "Support for Imran as a young adult carer"),
        ),
        "about_me": {
            "what_matters_most": "Cooking for my family and going to the mosque on Fridays."
        },
    },
)

# A second record for Margaret Price from the GP practice, without an NHS number: flagged.
FEATURED_DUPLICATE: dict[str, Any] = {
    "nhs_number": "",
    "given_name": "Margaret",
    "family_name": "Price",
    "date_of_birth": date(1944, 3, 12),
    "sex": Sex.FEMALE,
    "postcode": "CD3 4PQ",
    "address_line_1": "14 Weavers Row",
    "town": "Calderbridge",
}
