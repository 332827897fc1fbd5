"""Reading referrals: those sent to my organisation and those my organisation sent, and one
referral with what was sent and its history, for either side only."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.audit.services import record_event
from joinedup.core.errors import NotFound
from joinedup.directory.models import Service
from joinedup.directory.selectors import organisation_detail, search_services
from joinedup.people.models import AboutMe, Person
from joinedup.people.selectors import (
    OpenedForChange,
    about_me_versions,
    open_for_change,
    parse_person_id,
)
from joinedup.records.models import CORE_RECORD_CATEGORY, RecordEntry
from joinedup.referrals.models import (
    OPEN_STATUSES,
    Referral,
    ReferralItem,
    ReferralStatus,
    ReferralStatusChange,
)
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import Disclosure
from joinedup.sharing.policy import Action, decide, entries_visible_to


def _overdue_first() -> Case:
    return Case(
        When(status=ReferralStatus.REQUESTED, respond_by__lt=timezone.now(), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def referrals_received(actor: Actor, *, open_only: bool = True) -> QuerySet[Referral]:
    """Referrals sent to the actor's organisation, overdue first, then by deadline. A list of
    referrals names people: audited as one list read."""
    if actor.role_profile is None:
        return Referral.objects.none()
    referrals = Referral.objects.filter(
        receiving_organisation_id=actor.role_profile.organisation_id
    ).exclude(status=ReferralStatus.DRAFT)
    if open_only:
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    record_event(
        actor=actor, action="referral.list_received", target_type="Referral", categories=[]
    )
    return referrals.select_related(
        "person", "service", "requester_organisation", "requester__practitioner", "assigned_to"
    ).order_by(_overdue_first(), "respond_by", "-created_at")


def referrals_sent(actor: Actor, *, open_only: bool = True) -> QuerySet[Referral]:
    """Referrals the actor's organisation made, overdue first. Audited as one list read."""
    if actor.role_profile is None:
        return Referral.objects.none()
    referrals = Referral.objects.filter(
        requester_organisation_id=actor.role_profile.organisation_id
    )
    if open_only:
        referrals = referrals.filter(status__in=(ReferralStatus.DRAFT, *OPEN_STATUSES))
    record_event(actor=actor, action="referral.list_sent", target_type="Referral", categories=[])
    return referrals.select_related(
        "person", "service__organisation", "receiving_organisation", "requester__practitioner"
    ).order_by(_overdue_first(), "respond_by", "-created_at")


def _shown() -> QuerySet[Referral]:
    """Referrals with everything their page and their API answer show, fetched in a fixed
    number of queries however long the history: the people and organisations on each side,
    the items with their categories, and each step with who took it and their organisation."""
    return Referral.objects.select_related(
        "person",
        "service__organisation",
        "service__manager",
        "requester__practitioner",
        "requester__organisation",
        "requester_organisation",
        "receiving_organisation",
        "recipient__practitioner",
        "recipient__organisation",
        "assigned_to__practitioner",
        "assigned_to__organisation",
        "suggested_service",
    ).prefetch_related(
        Prefetch("items", queryset=ReferralItem.objects.select_related("category")),
        Prefetch(
            "changes",
            queryset=ReferralStatusChange.objects.select_related("by", "by_role__organisation"),
        ),
    )


def referral_for(actor: Actor, referral_id: object) -> Referral:
    """One referral, for the referrer's organisation or the receiving one; NotFound for anyone
    else, as for a referral that does not exist. The receiver sees what was sent (the items);
    the referrer, its own referral. Audited as one read of the person's record."""
    parsed = parse_person_id(referral_id)
    referral = _shown().filter(pk=parsed).first() if parsed else None
    organisation = actor.role_profile.organisation_id if actor.role_profile else None
    sides = (
        {referral.requester_organisation_id, referral.receiving_organisation_id}
        if referral
        else set()
    )
    allowed = referral is not None and organisation in sides
    decision = decide(actor, Action.VIEW_PERSON, referral.person) if referral else None
    record_event(
        actor=actor,
        action="referral.view",
        target_type="Referral",
        target_id=referral.pk if referral else referral_id,
        person=referral.person if allowed and referral else None,
        allowed=allowed,
        basis=(decision.basis or "") if allowed and decision else "",
        reason="Opened the referral." if allowed else "No such referral.",
        categories=sorted({item.category_id for item in referral.items.all()})
        if allowed and referral
        else [],
    )
    if not allowed or referral is None:
        raise NotFound
    return referral


def referral_as_changed(referral: Referral) -> Referral:
    """A referral just changed through a service, read again with everything its answer shows
    (as referral_for), for the answer to that change. Not audited again: the service audited
    the change, and its answer shows the same person's referral to the same actor."""
    return _shown().get(pk=referral.pk)


def is_receiver(actor: Actor, referral: Referral) -> bool:
    return bool(actor.role_profile) and (
        actor.role_profile is not None
        and actor.role_profile.organisation_id == referral.receiving_organisation_id
    )


# --- The referral pages (issue 5, web): finding a service, what may be sent, the lists -------
# Added for referrals/views.py; each says who may call it and what it audits.


def _district(text: str) -> str:
    """The postcode district: "cd3 4pq" and "CD3" both give "CD3"."""
    words = text.strip().upper().split()
    return words[0] if words else ""


def postcode_district(person: Person) -> str:
    """Where the person lives, as a postcode district, to start a search for services."""
    return _district(person.postcode or "")


def services_to_refer_to(*, need: str = "", name: str = "", area: str = "") -> QuerySet[Service]:
    """Services that take referrals through joinedup, meeting a need, by name and serving a
    postcode district (a service that names no area serves everywhere). Directory data: any
    staff member may read it; not audited."""
    services = search_services(need=need, name=name, accepts_referrals=True)
    district = _district(area)
    if district and district.isalnum():
        # Service.area lists districts separated by commas: match a whole district, so CD3
        # does not find a service for CD30.
        services = services.filter(Q(area="") | Q(area__iregex=rf"(^|[ ,]){district}($|[ ,])"))
    return services


def service_to_refer_to(service_id: object) -> Service:
    """One service that takes referrals, or NotFound."""
    parsed = parse_person_id(service_id)
    service = (
        Service.objects.select_related("organisation")
        .filter(pk=parsed, accepts_referrals=True)
        .first()
        if parsed
        else None
    )
    if service is None:
        raise NotFound
    return service


def practitioners_at(organisation_id: object) -> list[RoleProfile]:
    """The practitioners working at an organisation now: whom a referral may be addressed to,
    or assigned to on acceptance. Directory data; not audited."""
    return organisation_detail(organisation_id).role_profiles


@dataclass
class ReferralSources:
    """A person opened to make a referral, with what the referrer may choose to send: the
    record entries they can see, the latest About Me, and communication needs."""

    actor: Actor
    opened: OpenedForChange
    entries: list[RecordEntry]
    about_me: AboutMe | None
    _audited: bool = field(default=False)

    @property
    def person(self) -> Person:
        return self.opened.person

    def shown(self) -> Person:
        """Audit the page showing the person and the titles of their entries as one read,
        naming the categories shown. Not called when the draft is saved instead: the service
        audits that write."""
        if not self._audited:
            decision = self.opened.decision
            record_event(
                actor=self.actor,
                action=Action.VIEW_PERSON,
                target_type="Person",
                target_id=self.person.pk,
                person=self.person,
                basis=decision.basis or "",
                reason="Chose what to send with a referral.",
                categories=sorted(
                    {CORE_RECORD_CATEGORY, *(entry.category_id for entry in self.entries)}
                ),
            )
            self._audited = True
        return self.person


def referral_sources_for(actor: Actor, person_id: object) -> ReferralSources:
    """For the Refer page: the person if the actor may see them (NotFound otherwise, audited),
    with the entries the actor may see (sharing.policy.entries_visible_to) and About Me. The
    read is audited by `shown()` when the page is shown; a saved draft is audited by
    draft_referral."""
    opened = open_for_change(actor, person_id)
    entries = list(
        entries_visible_to(actor, opened.person)
        .select_related("category", "author_organisation")
        .order_by("-recorded_at")
    )
    about = about_me_versions(opened)
    latest = max(about, key=lambda version: version.version) if about else None
    return ReferralSources(actor=actor, opened=opened, entries=entries, about_me=latest)


def referral_list_for(
    actor: Actor, *, side: str, status: str = "", overdue_only: bool = False
) -> QuerySet[Referral]:
    """Referrals to the actor's organisation (side "received") or from it ("sent"), overdue
    first: the open ones when no status is chosen, every one for "all", or one status.
    Audited as one list read by referrals_received / referrals_sent."""
    open_only = status == ""
    if side == "received":
        referrals = referrals_received(actor, open_only=open_only)
    else:
        referrals = referrals_sent(actor, open_only=open_only)
    if status and status != "all":
        referrals = referrals.filter(status=status)
    if overdue_only:
        referrals = referrals.filter(status=ReferralStatus.REQUESTED, respond_by__lt=timezone.now())
    return referrals


def overriding_disclosure_for(referral: Referral) -> Disclosure | None:
    """A recorded decision to share without consent that lets every category of the
    referral's items reach the receiving organisation, if there is one. Part of the referral's
    read (referral_for); not audited again."""
    categories = {item.category_id for item in referral.items.all()}
    if not categories:
        return None
    day = timezone.localdate()
    candidates = Disclosure.objects.filter(
        Q(access_until__isnull=True) | Q(access_until__gte=day),
        person_id=referral.person_id,
        shared_with_id=referral.receiving_organisation_id,
    ).prefetch_related("categories")
    for disclosure in candidates.order_by("-decided_at"):
        if categories <= {category.pk for category in disclosure.categories.all()}:
            return disclosure
    return None


# -- for the referrals API (issue 5 item 10) ---------------------------------------------------


def referrals_listed_for(
    actor: Actor,
    *,
    to_mine: bool = False,
    from_mine: bool = False,
    status: str = "",
    overdue: bool = False,
) -> QuerySet[Referral]:
    """Referrals sent to the actor's organisation (`to_mine`), made by it (`from_mine`), or
    either when neither is asked for; drafts only to their own side. Optionally one status, or
    only those overdue now. Overdue first, then by deadline. Audited as one list read."""
    if actor.role_profile is None:
        return Referral.objects.none()
    organisation = actor.role_profile.organisation_id
    received = Q(receiving_organisation_id=organisation) & ~Q(status=ReferralStatus.DRAFT)
    sent = Q(requester_organisation_id=organisation)
    if to_mine and not from_mine:
        sides = received
    elif from_mine and not to_mine:
        sides = sent
    else:
        sides = received | sent
    referrals = Referral.objects.filter(sides)
    if status:
        referrals = referrals.filter(status=status)
    if overdue:
        referrals = referrals.filter(status=ReferralStatus.REQUESTED, respond_by__lt=timezone.now())
    record_event(actor=actor, action="referral.list", target_type="Referral", categories=[])
    return referrals.select_related(
        "person",
        "service",
        "requester_organisation",
        "receiving_organisation",
    ).order_by(_overdue_first(), "respond_by", "-created_at", "id")


def referral_for_change(actor: Actor, referral_id: object) -> Referral:
    """For pages that change a referral through a service: the referral, for the referrer's
    organisation or the receiving one. The service audits the change, so an allowed open is
    not audited here (a page shown instead reads it again with referral_for); anyone else gets
    NotFound, audited as a denial, as for a referral that does not exist."""
    parsed = parse_person_id(referral_id)
    referral = (
        Referral.objects.select_related("person", "service__organisation")
        .prefetch_related(
            Prefetch("items", queryset=ReferralItem.objects.select_related("category"))
        )
        .filter(pk=parsed)
        .first()
        if parsed
        else None
    )
    organisation = actor.organisation_id
    if referral is None or organisation not in {
        referral.requester_organisation_id,
        referral.receiving_organisation_id,
    }:
        record_event(
            actor=actor,
            action="referral.change",
            target_type="Referral",
            target_id=referral_id,
            allowed=False,
            reason="No such referral.",
            categories=[],
        )
        raise NotFound
    return referral
