"""People: demographics, About Me, relationships and lasting powers of attorney."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from joinedup.core.identifiers import format_nhs_number
from joinedup.core.models import BaseModel


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INDETERMINATE = "indeterminate", "Indeterminate"
    NOT_KNOWN = "not_known", "Not known"


class CommunicationNeed(models.TextChoices):
    """Accessible Information Standard: how the person needs information given to them."""

    LARGE_PRINT = "large_print", "Large print"
    EASY_READ = "easy_read", "Easy read"
    BRAILLE = "braille", "Braille"
    AUDIO = "audio", "Audio"
    BSL_INTERPRETER = "bsl_interpreter", "British Sign Language interpreter"
    DEAFBLIND_INTERPRETER = "deafblind_interpreter", "Deafblind interpreter"
    LIPSPEAKER = "lipspeaker", "Lipspeaker"
    HEARING_LOOP = "hearing_loop", "Hearing loop"
    EMAIL = "email", "Contact by email"
    TEXT_MESSAGE = "text_message", "Contact by text message"
    TELEPHONE = "telephone", "Contact by telephone"
    ADVOCATE = "advocate", "Needs support from an advocate"
    CARER_SUPPORT = "carer_support", "Needs support from a carer or family member"
    EXTRA_TIME = "extra_time", "Needs more time"


class Person(BaseModel):
    """A person receiving care. Only ever read through people.selectors (the access policy)."""

    nhs_number = models.CharField(
        "NHS number",
        max_length=10,
        blank=True,
        help_text="Ten digits, checked by the Modulus 11 rule. Empty if not yet traced.",
    )
    title = models.CharField(max_length=20, blank=True)
    given_name = models.CharField(max_length=100)
    other_given_names = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=16, choices=Sex.choices, default=Sex.NOT_KNOWN)
    gender_identity = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    gp_practice = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_people",
        limit_choices_to={"org_type": "gp_practice"},
    )
    preferred_language = models.CharField(max_length=60, default="English")
    interpreter_needed = models.BooleanField(default=False)
    communication_needs = models.JSONField(
        default=list, blank=True, help_text="Accessible Information Standard needs (codes)."
    )
    communication_notes = models.TextField(
        blank=True, help_text="Anything else about how to communicate with this person."
    )
    date_of_death = models.DateField(null=True, blank=True)

    # Everything people.services may set on a person, in the order forms show it.
    DETAIL_FIELDS: tuple[str, ...] = (
        "nhs_number",
        "title",
        "given_name",
        "other_given_names",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "sex",
        "gender_identity",
        "pronouns",
        "address_line_1",
        "address_line_2",
        "town",
        "postcode",
        "phone",
        "email",
        "gp_practice",
        "preferred_language",
        "interpreter_needed",
        "communication_needs",
        "communication_notes",
        "date_of_death",
    )

    class Meta:
        verbose_name_plural = "people"
        ordering = ["family_name", "given_name"]
        indexes = [
            models.Index(fields=["nhs_number"], name="person_nhs_number"),
            models.Index(Lower("family_name"), "date_of_birth", name="person_family_dob"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def known_as(self) -> str:
        return self.preferred_name or self.given_name

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number) if self.nhs_number else "Not known"

    def communication_need_labels(self) -> list[str]:
        labels = dict(CommunicationNeed.choices)
        return [str(labels.get(code, code)) for code in self.communication_needs]


class AboutMe(models.Model):
    """One version of the person's About Me (PRSB). Versions are never edited: a change adds
    a new row, so the history is the table itself and the latest row is what is shown."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="about_me_versions")
    version = models.PositiveIntegerField()
    what_matters_most = models.TextField("what is most important to me", blank=True)
    people_important_to_me = models.TextField("people who are important to me", blank=True)
    how_i_communicate = models.TextField(
        "how I communicate and how to communicate with me", blank=True
    )
    my_wellness = models.TextField("my wellness", blank=True)
    please_do = models.TextField("please do", blank=True)
    please_dont = models.TextField("please don't", blank=True)
    how_and_when_to_support_me = models.TextField("how and when to support me", blank=True)
    also_worth_knowing = models.TextField("also worth knowing about me", blank=True)
    supported_to_write_by = models.CharField(
        "supported to write this by", max_length=200, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    SECTIONS = (
        "what_matters_most",
        "people_important_to_me",
        "how_i_communicate",
        "my_wellness",
        "please_do",
        "please_dont",
        "how_and_when_to_support_me",
        "also_worth_knowing",
    )

    class Meta:
        ordering = ["person", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="about_me_version_unique")
        ]

    def __str__(self) -> str:
        return f"About Me for {self.person_id}, version {self.version}"


class RelationshipKind(models.TextChoices):
    FAMILY = "family", "Family member"
    CARER = "carer", "Carer"
    FRIEND = "friend", "Friend or neighbour"
    ADVOCATE = "advocate", "Advocate"
    ATTORNEY = "attorney", "Attorney (lasting power of attorney)"
    DEPUTY = "deputy", "Deputy appointed by the Court of Protection"
    OTHER = "other", "Other"


class Relationship(BaseModel):
    """Someone in the person's life: family, carers, advocates, attorneys (FHIR RelatedPerson)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    kind = models.CharField(max_length=16, choices=RelationshipKind.choices)
    relationship = models.CharField(
        max_length=60, blank=True, help_text="In the person's words, for example 'daughter'."
    )
    title = models.CharField(max_length=20, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    is_next_of_kin = models.BooleanField("next of kin", default=False)
    is_main_carer = models.BooleanField("main carer", default=False)
    notes = models.TextField(blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_next_of_kin", "-is_main_carer", "family_name"]
        indexes = [models.Index(fields=["person", "kind"], name="relationship_person_kind")]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class LpaType(models.TextChoices):
    HEALTH_AND_WELFARE = "health_and_welfare", "Health and welfare"
    PROPERTY_AND_FINANCIAL = "property_and_financial", "Property and financial affairs"


class AttorneysAct(models.TextChoices):
    SOLE = "sole", "Only one attorney"
    JOINTLY = "jointly", "Jointly"
    JOINTLY_AND_SEVERALLY = "jointly_and_severally", "Jointly and severally"
    MIXED = "mixed", "Jointly for some decisions, jointly and severally for others"


class LpaStatus(models.TextChoices):
    NOT_REGISTERED = "not_registered", "Made but not registered"
    REGISTERED = "registered", "Registered"
    CANCELLED = "cancelled", "Cancelled or revoked"


class LpaVerification(models.TextChoices):
    NOT_VERIFIED = "not_verified", "Not yet verified"
    OPG_ONLINE = "opg_online", "Checked with the Office of the Public Guardian online service"
    ORIGINAL_SEEN = "original_seen", "Original registered document seen"
    CERTIFIED_COPY = "certified_copy", "Certified copy seen"


class LastingPowerOfAttorney(BaseModel):
    """A lasting power of attorney (DOMAIN.md section 6). A health-and-welfare LPA works only
    once registered and only when the person lacks capacity for that decision."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="lpas")
    lpa_type = models.CharField("type", max_length=32, choices=LpaType.choices)
    attorneys = models.ManyToManyField(Relationship, related_name="lpas")
    attorneys_act = models.CharField(max_length=32, choices=AttorneysAct.choices)
    covers_life_sustaining_treatment = models.BooleanField(default=False)
    registration_reference = models.CharField(
        max_length=30, blank=True, help_text="The Office of the Public Guardian reference."
    )
    registered_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=LpaStatus.choices)
    verification = models.CharField(
        max_length=16, choices=LpaVerification.choices, default=LpaVerification.NOT_VERIFIED
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "lasting power of attorney"
        verbose_name_plural = "lasting powers of attorney"

    def __str__(self) -> str:
        return f"{self.get_lpa_type_display()} LPA for {self.person_id}"

    @property
    def is_usable(self) -> bool:
        """Registered and verified: the precondition for an attorney to act at all."""
        return (
            self.status == LpaStatus.REGISTERED
            and self.verification != LpaVerification.NOT_VERIFIED
        )


class DuplicateStatus(models.TextChoices):
    OPEN = "open", "To be checked"
    NOT_DUPLICATE = "not_duplicate", "Checked: different people"
    MERGED = "merged", "Merged"


class PossibleDuplicate(BaseModel):
    """Two records that may be the same person, flagged for a recorded decision."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "other"], name="possible_duplicate_pair")
        ]
