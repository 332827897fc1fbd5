"""Referrals, a transfer of care and handovers in the demo region.

- Every service has a manager: a role profile of its organisation (a persona where one works
  there), told when a referral passes its response deadline.
- Referrals in every state, made and answered through the referral services by the personas,
  for generated people (never the featured three: Margaret has no referral, so the demo can
  make one to "Adult social care assessment"): a draft, one waiting, one overdue (sent weeks
  ago and not escalated yet), accepted, not accepted with a reason, in progress, on hold,
  completed with its outcome, cancelled and could not be done.
- A hospital discharge: Tom Brennan (discharge coordinator, Calderbridge Royal Infirmary)
  transfers a generated person's care to Hollybank, with its discharge summary, waiting for
  Grace Mensah to accept and acknowledge it.
- Handovers waiting: one to Nadia Okafor from a district nursing colleague, and one from her.

The number of referrals is fixed, so the build time does not grow with the region."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.accounts.roles import JobRole
from joinedup.careteams.models import CareTeamChange, CareTeamMember, CareTeamRole, ChangeKind
from joinedup.demo.featured import FEATURED
from joinedup.directory.models import Service
from joinedup.handovers.services import Sbar, hand_over
from joinedup.people.models import Person
from joinedup.referrals.models import Referral, RejectionReason
from joinedup.referrals.services import (
    ItemChoice,
    cancel_referral,
    draft_referral,
    respond_to_referral,
    send_referral,
)
from joinedup.referrals.transfers import TransferSections, start_transfer
from joinedup.sharing.actors import Actor

if TYPE_CHECKING:
    from joinedup.demo.region import RegionBuilder

# Sent this long ago, a routine referral is past its deadline of at most 15 working days.
OVERDUE_SENT_DAYS_AGO = 28
_RESPONDERS = frozenset(
    {
        JobRole.COMMUNITY_NURSE,
        JobRole.SOCIAL_WORKER,
        JobRole.GP,
        JobRole.CARE_HOME_MANAGER,
        JobRole.DISCHARGE_COORDINATOR,
        JobRole.HOSPITAL_DOCTOR,
        JobRole.HOME_CARE_COORDINATOR,
    }
)


def _actor(profile: RoleProfile) -> Actor:
    user = profile.practitioner.user
    if user is not None:
        return Actor.staff(user, profile)
    # A generated practitioner has no account; the demo acts in their name.
    return Actor(label=f"{profile.practitioner.display_name} ({profile})", role_profile=profile)


class _Demo:
    def __init__(self, builder: RegionBuilder) -> None:
        self.builder = builder
        self.profiles = builder.persona_profiles
        featured = [entry["person"]["nhs_number"] for entry in FEATURED]
        self._people = iter(
            Person.objects.exclude(nhs_number__in=featured).order_by("nhs_number")[:200]
        )

    def actor(self, key: str) -> Actor:
        return _actor(self.profiles[key])

    def service(self, name: str) -> Service:
        return Service.objects.select_related("organisation").get(name=name)

    def person_in_care_of(self, profile: RoleProfile, words: str) -> Person:
        """The next generated person, with `profile` in their care team (added if not)."""
        person = next(self._people)
        today = timezone.localdate()
        if not CareTeamMember.objects.filter(person=person, role_profile=profile).exists():
            member = CareTeamMember.objects.create(
                id=self.builder._uuid(),
                person=person,
                role_profile=profile,
                organisation_id=profile.organisation_id,
                role=CareTeamRole.MEMBER,
                responsibilities=words,
                starts_on=today - timedelta(days=self.builder.rng.randrange(20, 200)),
            )
            CareTeamChange.objects.create(
                member=member,
                person=person,
                kind=ChangeKind.ADDED,
                role=member.role,
                responsibilities=words,
                starts_on=member.starts_on,
                reason="Recorded when the region was generated",
            )
        return person

    def referral(
        self, key: str, service: str, reason: str, *, words: str, send: bool = True
    ) -> Referral:
        actor = self.actor(key)
        assert actor.role_profile is not None  # noqa: S101 - a persona's profile
        person = self.person_in_care_of(actor.role_profile, words)
        drafted = draft_referral(
            actor=actor,
            person=person,
            service=self.service(service),
            reason=reason,
            what_matters="Staying independent at home.",
            items=[ItemChoice("communication")],
        )
        if not send:
            return drafted
        return send_referral(actor=actor, referral=drafted)


def seed_referrals(builder: RegionBuilder) -> None:
    demo = _Demo(builder)
    _managers(builder)
    _referrals(demo)
    _transfer(demo)
    _handovers(demo)


def _managers(builder: RegionBuilder) -> None:
    """A manager for every service: a persona of its organisation who may respond to
    referrals, or else one of its staff who may, chosen with the region's random numbers."""
    personas = sorted(
        (key, profile)
        for key, profile in builder.persona_profiles.items()
        if profile.job_role in _RESPONDERS
    )
    for service in Service.objects.order_by("name", "id"):
        own = [p for _, p in personas if p.organisation_id == service.organisation_id]
        if own:
            manager = own[0]
        else:
            staff = list(
                RoleProfile.objects.filter(organisation_id=service.organisation_id)
                .exclude(job_role=JobRole.IT_ADMINISTRATOR)
                .order_by("pk")
            )
            responders = [p for p in staff if p.job_role in _RESPONDERS] or staff
            if not responders:
                continue
            manager = builder.rng.choice(responders)
        service.manager = manager
        service.save(update_fields=["manager", "updated_at"])


def _referrals(demo: _Demo) -> None:
    sam, nadia, grace = (
        demo.actor("social_worker"),
        demo.actor("nurse"),
        demo.actor("care_home_manager"),
    )
    gp_words = "GP: medical care and reviews"
    nurse_words = "District nursing visits"
    sw_words = "Care Act assessment and support plan"

    demo.referral(
        "gp",
        "Community therapy",
        "Two falls at home this month; unsteady on the stairs.",
        words=gp_words,
        send=False,
    )
    demo.referral(
        "gp",
        "Adult social care assessment",
        "Finding it hard to manage meals and shopping since his wife died.",
        words=gp_words,
    )
    # Sent weeks ago and never answered: overdue, and waiting for `joinedup escalate-referrals`.
    overdue_actor = demo.actor("social_worker")
    assert overdue_actor.role_profile is not None  # noqa: S101
    person = demo.person_in_care_of(overdue_actor.role_profile, sw_words)
    drafted = draft_referral(
        actor=overdue_actor,
        person=person,
        service=demo.service("District nursing"),
        reason="Pressure sore on her heel noticed at the review visit.",
        items=[ItemChoice("communication")],
    )
    send_referral(
        actor=overdue_actor,
        referral=drafted,
        now=timezone.now() - timedelta(days=OVERDUE_SENT_DAYS_AGO),
    )

    accepted = demo.referral(
        "nurse",
        "Adult social care assessment",
        "Needs help with washing and dressing; her husband can no longer manage it.",
        words=nurse_words,
    )
    respond_to_referral(actor=sam, referral=accepted, status="accepted")

    rejected = demo.referral(
        "gp",
        "Intermediate care and reablement",
        "Slow to get going after a chest infection.",
        words=gp_words,
    )
    respond_to_referral(
        actor=nadia,
        referral=rejected,
        status="rejected",
        reason_code=RejectionReason.WRONG_SERVICE,
        reason="Reablement follows a hospital stay. Community therapy can help with his mobility.",
        suggested_service=demo.service("Community therapy"),
    )

    in_progress = demo.referral(
        "social_worker",
        "Community therapy",
        "Needs a bath lift and rails before her care package starts.",
        words=sw_words,
    )
    respond_to_referral(actor=nadia, referral=in_progress, status="accepted")
    respond_to_referral(actor=nadia, referral=in_progress, status="in_progress")

    on_hold = demo.referral(
        "gp",
        "District nursing",
        "Insulin injections at home after a change of dose.",
        words=gp_words,
    )
    respond_to_referral(actor=nadia, referral=on_hold, status="accepted")
    respond_to_referral(
        actor=nadia,
        referral=on_hold,
        status="on_hold",
        reason="He is staying with his daughter in Leeds for two weeks; we start when he is back.",
    )

    completed = demo.referral(
        "nurse",
        "Adult social care assessment",
        "Carer's assessment for her son, who is struggling to cope.",
        words=nurse_words,
    )
    respond_to_referral(actor=sam, referral=completed, status="accepted")
    respond_to_referral(actor=sam, referral=completed, status="in_progress")
    respond_to_referral(
        actor=sam,
        referral=completed,
        status="completed",
        outcome_summary="Carer's assessment done. A weekly sitting service starts next month; "
        "review in six months.",
    )

    cancelled = demo.referral(
        "nurse",
        "Frailty assessment unit",
        "More confused and unsteady over the past week.",
        words=nurse_words,
    )
    cancel_referral(
        actor=nadia,
        referral=cancelled,
        reason="Her GP saw her the same day: a urine infection, now treated.",
    )

    failed = demo.referral(
        "social_worker",
        "Residential and nursing care",
        "Respite for a week while her husband has his operation.",
        words=sw_words,
    )
    respond_to_referral(actor=grace, referral=failed, status="accepted")
    respond_to_referral(
        actor=grace,
        referral=failed,
        status="failed",
        reason="The respite room we held is needed for an emergency admission. Please refer "
        "to Oakfield House.",
    )


def _transfer(demo: _Demo) -> None:
    tom = demo.actor("discharge")
    assert tom.role_profile is not None  # noqa: S101
    person = demo.person_in_care_of(tom.role_profile, "Planning discharge from hospital")
    start_transfer(
        actor=tom,
        person=person,
        service=demo.service("Residential and nursing care"),
        reason="Going to Hollybank for a month of nursing care before going home.",
        sections=TransferSections(
            reason_for_admission="Fall at home; fractured left wrist and a urine infection.",
            what_happened="Wrist set in plaster. Infection treated with antibiotics, now "
            "finished. Walking with a frame and one person's help.",
            medication_changes="Started: paracetamol as needed. Stopped: amlodipine (low blood "
            "pressure on the ward).",
            follow_up="Fracture clinic on the 2nd of next month. Check blood pressure weekly.",
            what_matters="Getting back to her own home and her cat.",
            risks="Falls, especially at night. Needs help with cutting food while in plaster.",
        ),
        items=[ItemChoice("communication")],
    )


def _handovers(demo: _Demo) -> None:
    nadia = demo.profiles["nurse"]
    colleagues = list(
        RoleProfile.objects.filter(
            organisation_id=nadia.organisation_id, job_role=JobRole.COMMUNITY_NURSE
        )
        .exclude(pk=nadia.pk)
        .select_related("practitioner")
        .order_by("pk")
    )
    if not colleagues:
        return
    # A colleague from her own district nursing team if there is one.
    colleague = next((p for p in colleagues if p.team_id == nadia.team_id), colleagues[0])
    theirs = demo.person_in_care_of(colleague, "District nursing visits")
    hand_over(
        actor=_actor(colleague),
        people=[theirs],
        to_role=nadia,
        sbar=Sbar(
            situation="I'm on leave from tomorrow for two weeks; please take over her visits.",
            background="Leg ulcer on her right shin, dressed on Mondays and Thursdays.",
            assessment="Healing well. She manages her own stockings now.",
            recommendation="Carry on twice-weekly dressings; measure the ulcer on the next visit.",
        ),
        reason="Going on leave",
    )
    mine = demo.person_in_care_of(nadia, "District nursing visits")
    hand_over(
        actor=demo.actor("nurse"),
        people=[mine],
        to_role=colleague,
        sbar=Sbar(
            situation="Moving to the south team on Monday; handing over his care.",
            background="Type 2 diabetes, insulin twice a day; lives alone.",
            assessment="Sugars steady this month. Forgets his lunchtime tablets.",
            recommendation="Weekly check of his blood sugar diary; ask the GP about a dosette box.",
        ),
        reason="Moving team",
    )
