"""THE access policy: the one place that decides who may read or write a person's record.

`decide(actor, action, person)` answers one question with its basis and a reason a person can
read; `people_visible_to(actor, action)` answers the same question for a list, as a queryset
filtered in SQL. Selectors and services call these; nothing else decides access.

Bases implemented here: active care-team membership, same-organisation roles the organisation
allows, break-glass, the receiving organisation of an open referral or transfer (which sees
only what was sent: people.selectors gives it a restricted summary), and a partner organisation's
registered system client for people in that organisation's care, within its scopes. The person themselves and
family grants arrive with the person's portal; each is one more `_basis_*` filter and one more
column of the permission table.

Items of person data (record entries) have a second question: which of them cross from the
organisation that wrote them to the reader's. `entries_visible_to` answers it in SQL from the
sharing agreements in force, the person's objections and consents, recorded disclosures and
seals; `category_flow` answers it for one category with the reason."""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from joinedup.accounts.models import ClientScope
from joinedup.accounts.roles import JobRole
from joinedup.careteams.models import CareTeamMember, in_force_on
from joinedup.core.errors import NotAllowed, NotFound
from joinedup.directory.models import Organisation
from joinedup.handovers.models import CoverArrangement, cover_in_force_on
from joinedup.people.models import Person
from joinedup.records.models import RecordEntry, SealedFor
from joinedup.referrals.models import OPEN_STATUSES, Referral
from joinedup.sharing.actors import REGION_LOADER_CHANNEL, Actor
from joinedup.sharing.models import (
    BreakGlass,
    ChoiceKind,
    ConsentDecision,
    Disclosure,
    InformationCategory,
    Purpose,
    SharingAgreement,
    agreement_in_force,
)

PERMISSIONS_FILE = Path(__file__).with_name("permissions.toml")

# A key, a model instance or an OuterRef: the query builders below serve both the list filters
# (OuterRef, inside Exists) and single answers (values).
Ref = Any


class Action(StrEnum):
    VIEW_PERSON = "person.view"
    EDIT_PERSON = "person.edit"
    EDIT_ABOUT_ME = "about_me.edit"
    EDIT_RELATIONSHIPS = "relationship.edit"
    EDIT_CARE_TEAM = "care_team.edit"
    ADD_ENTRY = "entry.add"
    RECORD_CHOICE = "choice.record"
    RECORD_DISCLOSURE = "disclosure.record"
    VIEW_ACCESS_LOG = "access_log.view"
    EDIT_CARE_PLAN = "care_plan.edit"
    MAKE_REFERRAL = "referral.make"
    RESPOND_TO_REFERRAL = "referral.respond"


class Basis(StrEnum):
    CARE_TEAM = "care_team"
    SAME_ORGANISATION = "same_organisation"
    BREAK_GLASS = "break_glass"
    REFERRAL_RECIPIENT = "referral_recipient"
    ORGANISATION_SYSTEM = "organisation_system"
    REGION_LOADER = "region_loader"


_ACTION_WORDS = {
    Action.VIEW_PERSON: "see this person's record",
    Action.EDIT_PERSON: "change this person's details",
    Action.EDIT_ABOUT_ME: "change this person's About Me",
    Action.EDIT_RELATIONSHIPS: "change this person's family, carers and attorneys",
    Action.EDIT_CARE_TEAM: "change this person's care team",
    Action.ADD_ENTRY: "add to this person's record",
    Action.RECORD_CHOICE: "record this person's consent or objections",
    Action.RECORD_DISCLOSURE: "record a disclosure without consent",
    Action.VIEW_ACCESS_LOG: "see who has opened this person's record",
    Action.EDIT_CARE_PLAN: "change this person's care plan",
    Action.MAKE_REFERRAL: "refer this person to a service",
    Action.RESPOND_TO_REFERRAL: "respond to a referral for this person",
}

_BASIS_WORDS = {
    Basis.CARE_TEAM: "you are in this person's care team",
    Basis.SAME_ORGANISATION: "your organisation is involved in this person's care",
    Basis.BREAK_GLASS: "you are using emergency access (break-glass)",
    Basis.REFERRAL_RECIPIENT: "your organisation has an open referral for this person, and "
    "you can see what was sent with it",
    Basis.ORGANISATION_SYSTEM: "this system is registered to an organisation involved in this "
    "person's care",
    Basis.REGION_LOADER: "the region's records are being loaded by its operators",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: Basis | None
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


class PermissionTableError(ValueError):
    """The permission table names something the policy does not know."""


@cache
def permission_table() -> dict[str, dict[Basis, frozenset[Action]]]:
    """Role → basis → actions, read from permissions.toml and checked for unknown names."""
    raw = tomllib.loads(PERMISSIONS_FILE.read_text(encoding="utf-8"))
    table: dict[str, dict[Basis, frozenset[Action]]] = {}
    known_roles = set(JobRole.values)
    for role, bases in raw.get("roles", {}).items():
        if role not in known_roles:
            raise PermissionTableError(f"Unknown job role {role!r} in {PERMISSIONS_FILE.name}.")
        table[role] = {}
        for basis_name, actions in bases.items():
            try:
                basis = Basis(basis_name)
                table[role][basis] = frozenset(Action(action) for action in actions)
            except ValueError as error:
                raise PermissionTableError(f"{role}.{basis_name}: {error}") from None
    return table


@cache
def client_permissions() -> dict[str, frozenset[Action]]:
    """System-client scope → actions under the organisation_system basis, from the [clients]
    table of permissions.toml, checked for unknown names."""
    raw = tomllib.loads(PERMISSIONS_FILE.read_text(encoding="utf-8"))
    table: dict[str, frozenset[Action]] = {}
    known_scopes = set(ClientScope.values)
    for scope, actions in raw.get("clients", {}).items():
        if scope not in known_scopes:
            raise PermissionTableError(
                f"Unknown client scope {scope!r} in {PERMISSIONS_FILE.name}."
            )
        try:
            table[scope] = frozenset(Action(action) for action in actions)
        except ValueError as error:
            raise PermissionTableError(f"clients.{scope}: {error}") from None
    return table


def client_may(actor: Actor, action: Action) -> bool:
    """Whether one of the system client's scopes allows the action (never for staff)."""
    client = actor.client
    if client is None or client.revoked_at is not None:
        return False
    return any(action in client_permissions().get(scope, frozenset()) for scope in client.scopes)


def role_may(job_role: str | None, basis: Basis, action: Action) -> bool:
    if job_role is None:
        return False
    return action in permission_table().get(job_role, {}).get(basis, frozenset())


def _active_on(day: date, prefix: str = "") -> Q:
    return in_force_on(day, prefix)


def _covered_for(actor: Actor, day: date) -> QuerySet[CoverArrangement]:
    """The cover arrangements in force on `day` in which the actor covers for someone."""
    return CoverArrangement.objects.filter(cover_in_force_on(day), covering=actor.role_profile)


def _basis_care_team(actor: Actor, day: date) -> Q:
    """In the care team themselves, or covering for someone who is."""
    memberships = CareTeamMember.objects.filter(_active_on(day), person=OuterRef("pk")).filter(
        Q(role_profile=actor.role_profile)
        | Q(role_profile__in=_covered_for(actor, day).values("absent_id"))
    )
    return Q(Exists(memberships))


def _same_organisation_allowed(actor: Actor) -> bool:
    profile = actor.role_profile
    if profile is None:
        return False
    return profile.job_role in (profile.organisation.same_organisation_roles or [])


def _in_care_of(organisation_id: uuid.UUID, day: date) -> Q:
    """People in an organisation's care: a care-team member from it, or it is their GP
    practice."""
    involved = CareTeamMember.objects.filter(
        _active_on(day), person=OuterRef("pk"), organisation_id=organisation_id
    )
    return Q(Exists(involved)) | Q(gp_practice_id=organisation_id)


def active_break_glass(actor: Actor, person: Ref, now: datetime) -> QuerySet[BreakGlass]:
    """The actor's break-glass accesses to `person` (a key or an OuterRef) in force at `now`:
    started, not ended early and not yet expired. The one definition the policy uses."""
    return BreakGlass.objects.filter(
        person=person,
        role_profile=actor.role_profile,
        ended_at__isnull=True,
        starts_at__lte=now,
        expires_at__gt=now,
    )


def _basis_break_glass(actor: Actor, now: datetime) -> Q:
    return Q(Exists(active_break_glass(actor, OuterRef("pk"), now)))


def open_referrals_to(actor: Actor, person: Ref) -> QuerySet[Referral]:
    """Referrals or transfers for `person` (a key or an OuterRef) open at the actor's
    organisation: sent and not yet finished. The one definition of the referral-recipient
    basis."""
    assert actor.role_profile is not None  # noqa: S101 - only called with a role profile
    return Referral.objects.filter(
        person=person,
        receiving_organisation_id=actor.role_profile.organisation_id,
        status__in=OPEN_STATUSES,
    )


def _basis_referral_recipient(actor: Actor) -> Q:
    return Q(Exists(open_referrals_to(actor, OuterRef("pk"))))


def _basis_same_organisation(actor: Actor, day: date) -> Q:
    assert actor.role_profile is not None  # noqa: S101 - checked by the caller
    return _in_care_of(actor.role_profile.organisation_id, day)


def _bases_for(
    actor: Actor, action: Action, built: dict[Basis, Q] | None = None
) -> list[tuple[Basis, Q]]:
    """The bases under which this actor could do this action, each as a filter on Person.
    `built` keeps filters already made for other actions of the same actor (making one costs
    more than it seems: each is a subquery)."""
    if is_region_loader(actor):
        return [(Basis.REGION_LOADER, Q())] if action in region_loader_actions() else []
    made = {} if built is None else built

    def basis(name: Basis, make: Callable[[], Q]) -> tuple[Basis, Q]:
        if name not in made:
            made[name] = make()
        return name, made[name]

    if actor.client is not None:
        if not client_may(actor, action):
            return []
        organisation_id = actor.client.organisation_id
        return [
            basis(
                Basis.ORGANISATION_SYSTEM,
                lambda: _in_care_of(organisation_id, timezone.localdate()),
            )
        ]
    if actor.role_profile is None:
        return []
    now = timezone.now()
    day = timezone.localdate(now)
    bases: list[tuple[Basis, Q]] = []
    if role_may(actor.job_role, Basis.CARE_TEAM, action):
        bases.append(basis(Basis.CARE_TEAM, lambda: _basis_care_team(actor, day)))
    if role_may(actor.job_role, Basis.SAME_ORGANISATION, action) and _same_organisation_allowed(
        actor
    ):
        bases.append(basis(Basis.SAME_ORGANISATION, lambda: _basis_same_organisation(actor, day)))
    if role_may(actor.job_role, Basis.BREAK_GLASS, action):
        bases.append(basis(Basis.BREAK_GLASS, lambda: _basis_break_glass(actor, now)))
    if role_may(actor.job_role, Basis.REFERRAL_RECIPIENT, action):
        bases.append(basis(Basis.REFERRAL_RECIPIENT, lambda: _basis_referral_recipient(actor)))
    return bases


def people_visible_to(actor: Actor, action: Action = Action.VIEW_PERSON) -> QuerySet[Person]:
    """Every person this actor may do `action` to, filtered in SQL. Empty when there is no basis."""
    bases = _bases_for(actor, action)
    if not bases:
        return Person.objects.none()
    condition = Q()
    for _, basis_filter in bases:
        condition |= basis_filter
    return Person.objects.filter(condition)


def _break_glass_words(actor: Actor, person: Person) -> str:
    access = active_break_glass(actor, person.pk, timezone.now()).order_by("-expires_at").first()
    if access is None:  # expired between the two queries
        return f"Allowed because {_BASIS_WORDS[Basis.BREAK_GLASS]}."
    until = timezone.localtime(access.expires_at)
    return (
        f"Emergency access (break-glass) until {until:%H:%M} on {until:%d %B %Y}: "
        f"{access.get_reason_code_display()}. {access.reason}"
    )


def decide(actor: Actor, action: Action, person: Person) -> Decision:
    """May this actor do this action to this person? With the basis and a plain reason. One
    query finds which of the actor's bases hold (with whether a care-team basis is the actor's
    own membership or cover, for the reason); emergency access takes a second, for its words."""
    return decide_each(actor, (action,), person)[action]


def decide_each(actor: Actor, actions: Iterable[Action], person: Person) -> dict[Action, Decision]:
    """decide() for several actions on one person, as a page that offers several of them needs:
    the database is asked once which of the actor's bases hold for the person, not once per
    action."""
    built: dict[Basis, Q] = {}
    wanted = {action: _bases_for(actor, action, built) for action in actions}
    filters: dict[Basis, Q] = {}
    for bases in wanted.values():
        for basis, basis_filter in bases:
            filters.setdefault(basis, basis_filter)
    holding = _bases_holding(actor, person, filters)
    words: dict[Basis, str] = {}
    return {
        action: _decision(actor, action, person, bases, holding, words)
        for action, bases in wanted.items()
    }


_OWN_MEMBERSHIP = "holds_own_membership"


def _bases_holding(actor: Actor, person: Person, filters: dict[Basis, Q]) -> dict[str, bool]:
    """Which of these bases hold for the person, in one query: each basis is a condition on the
    person's own row or an EXISTS, so the query reads one row. With the care-team basis, also
    whether the actor is in the team themselves (rather than covering for a member)."""
    if not filters:
        return {}
    columns: dict[str, Any] = {
        f"holds_{basis.value}": ExpressionWrapper(
            basis_filter if basis_filter else Q(pk__isnull=False), output_field=BooleanField()
        )
        for basis, basis_filter in filters.items()
    }
    if Basis.CARE_TEAM in filters:
        own = CareTeamMember.objects.filter(
            _active_on(timezone.localdate()), person=OuterRef("pk"), role_profile=actor.role_profile
        )
        columns[_OWN_MEMBERSHIP] = Exists(own)
    found = Person.objects.filter(pk=person.pk).annotate(**columns).values_list(*columns).first()
    return dict(zip(columns, map(bool, found), strict=True)) if found is not None else {}


def _decision(
    actor: Actor,
    action: Action,
    person: Person,
    bases: list[tuple[Basis, Q]],
    holding: dict[str, bool],
    words: dict[Basis, str],
) -> Decision:
    """The first of the actor's bases for the action that holds for the person, in the order
    _bases_for lists them; or the refusal, with the reason in the reader's terms. `words`
    keeps the reasons already worked out (emergency access takes a query)."""
    for basis, _ in bases:
        if holding.get(f"holds_{basis.value}"):
            if basis not in words:
                words[basis] = _allowed_words(actor, basis, person, holding)
            return Decision(True, basis, words[basis])
    if actor.client is not None:
        return Decision(
            False,
            None,
            f"The system {actor.client.name} has no basis to {_ACTION_WORDS[action]}: the "
            "person is not in its organisation's care, or its scopes do not allow it.",
        )
    if actor.role_profile is None:
        return Decision(False, None, "Only staff acting in a role can open records.")
    return Decision(
        False,
        None,
        f"As {actor.role_profile.get_job_role_display().lower()} at "
        f"{actor.role_profile.organisation.name} you have no basis to "
        f"{_ACTION_WORDS[action]}.",
    )


def _allowed_words(actor: Actor, basis: Basis, person: Person, holding: dict[str, bool]) -> str:
    if basis is Basis.BREAK_GLASS:
        return _break_glass_words(actor, person)
    if basis is Basis.CARE_TEAM and not holding.get(_OWN_MEMBERSHIP):
        return "Allowed because you are covering for a member of this person's care team."
    return f"Allowed because {_BASIS_WORDS[basis]}."


def require(actor: Actor, action: Action, person: Person) -> Decision:
    """For services: allow the action or raise. Someone who cannot even see the person gets
    NotFound (the person does not exist for them); someone who can see but not change gets
    NotAllowed with the reason."""
    decision = decide(actor, action, person)
    if decision.allowed:
        return decision
    if action is not Action.VIEW_PERSON and decide(actor, Action.VIEW_PERSON, person).allowed:
        raise NotAllowed(decision.reason)
    raise NotFound


def may_register_people(actor: Actor) -> bool:
    """Registering a person makes the registrant a care-team member, so it needs a role that
    may edit records under the care-team basis. A system client needs the import scope: the
    people it registers are in its organisation's care from then on."""
    if actor.client is not None:
        return actor.client.revoked_at is None and actor.has_scope(ClientScope.IMPORT)
    if is_region_loader(actor):
        return True
    return role_may(actor.job_role, Basis.CARE_TEAM, Action.EDIT_PERSON)


def is_region_loader(actor: Actor) -> bool:
    """The region loader (Actor.region_loader): `joinedup import-fhir` run on the server by
    its operators without --organisation, to load a region moved from another system. Who is
    in whose care comes from the data it loads (care teams, GP practices). Nothing reachable
    over HTTP acts as one: every token is a user's or a client's."""
    return (
        actor.channel == REGION_LOADER_CHANNEL
        and actor.user is None
        and actor.role_profile is None
        and actor.client is None
    )


def basis_of_system_actor(actor: Actor) -> str:
    """The basis a system actor acts on, for services that check a whole batch at once."""
    if is_region_loader(actor):
        return Basis.REGION_LOADER
    if actor.client is not None:
        return Basis.ORGANISATION_SYSTEM
    return ""


@cache
def region_loader_actions() -> frozenset[Action]:
    """What the region loader may do, to anyone: the [region_loader] table of
    permissions.toml."""
    raw = tomllib.loads(PERMISSIONS_FILE.read_text(encoding="utf-8"))
    try:
        return frozenset(Action(name) for name in raw["region_loader"]["actions"])
    except (KeyError, ValueError) as error:
        raise PermissionTableError(f"region_loader: {error}") from None


def may_bulk_export(actor: Actor) -> bool:
    """Bulk export (`GET /fhir/R4/$export`) hands over everyone in an organisation's care at
    once: too much for any one practitioner's token. Only an organisation's registered system
    client with the export scope may ask, and it gets its own organisation's scope."""
    if actor.client is None:
        return False
    return actor.client.revoked_at is None and actor.has_scope(ClientScope.EXPORT)


def may_break_glass(actor: Actor) -> bool:
    """Whether this actor's job role may ever use emergency access (the break_glass column of
    the permission table)."""
    return role_may(actor.job_role, Basis.BREAK_GLASS, Action.VIEW_PERSON)


def may_govern_information(actor: Actor) -> bool:
    """Information-governance work for the actor's organisation: drafting, signing, suspending
    and reviewing sharing agreements, the break-glass review queue and disclosure exemptions.
    Done by the organisation's privacy officer (its information-governance lead)."""
    return actor.job_role == JobRole.PRIVACY_OFFICER


# --- Items of person data: which entries cross from their author organisation ---------------


def agreements_covering(
    *,
    author_organisation: Ref,
    reader_organisation: Ref,
    category: Ref,
    purpose: str,
    day: date,
) -> QuerySet[SharingAgreement]:
    """Agreements in force on `day` with both organisations as parties, covering the category
    for the purpose. Arguments may be values or OuterRef expressions."""
    return SharingAgreement.objects.filter(
        agreement_in_force(day),
        purpose=purpose,
        categories=category,
        parties__organisation=author_organisation,
    ).filter(parties__organisation=reader_organisation)


def choices_in_force(
    *, kind: ChoiceKind, person: Ref, category: Ref, organisation: Ref, purpose: str
) -> QuerySet[ConsentDecision]:
    """The person's consents or objections, not withdrawn, that cover this category (or every
    category), this organisation (or every organisation) and this purpose."""
    return ConsentDecision.objects.filter(
        Q(category=category) | Q(category__isnull=True),
        Q(organisation=organisation) | Q(organisation__isnull=True),
        kind=kind,
        person=person,
        purpose=purpose,
        withdrawn_at__isnull=True,
    )


def disclosures_covering(
    *, person: Ref, category: Ref, organisation: Ref, day: date
) -> QuerySet[Disclosure]:
    """Recorded disclosures without consent that let this category reach this organisation."""
    return Disclosure.objects.filter(
        Q(access_until__isnull=True) | Q(access_until__gte=day),
        person=person,
        categories=category,
        shared_with=organisation,
    )


def _crosses_to(organisation_id: Ref, purpose: str, day: date, person_path: str) -> Q:
    """The filter on an item (with `author_organisation` and `category`) written elsewhere that
    reaches this organisation. `person_path` leads from the item to its person."""
    agreed = Exists(
        agreements_covering(
            author_organisation=OuterRef("author_organisation"),
            reader_organisation=organisation_id,
            category=OuterRef("category"),
            purpose=purpose,
            day=day,
        )
    )
    objected = Exists(
        choices_in_force(
            kind=ChoiceKind.OBJECTION,
            person=OuterRef(person_path),
            category=OuterRef("category"),
            organisation=organisation_id,
            purpose=purpose,
        )
    )
    disclosed = Exists(
        disclosures_covering(
            person=OuterRef(person_path),
            category=OuterRef("category"),
            organisation=organisation_id,
            day=day,
        )
    )
    return (Q(agreed) & ~Q(objected)) | Q(disclosed)


def items_visible_q(
    actor: Actor, *, person_path: str = "person", purpose: str = Purpose.DIRECT_CARE
) -> Q:
    """The rule for every categorised item of person data, as a filter: the actor's own
    organisation's items, and items from elsewhere that an agreement (without objection) or a
    disclosure lets through; a purpose beyond direct care also needs explicit consent. Items
    that can be sealed add `sealed_q`. Used by record entries and care-plan items alike."""
    if actor.role_profile is None and actor.client is None:
        return Q(pk__in=[])
    day = timezone.localdate()
    organisation_id = actor.organisation_id
    own = Q(author_organisation_id=organisation_id)
    visible = own | (~own & _crosses_to(organisation_id, purpose, day, person_path))
    if purpose in Purpose.beyond_direct_care():
        consented = choices_in_force(
            kind=ChoiceKind.CONSENT,
            person=OuterRef(person_path),
            category=OuterRef("category"),
            organisation=organisation_id,
            purpose=purpose,
        )
        visible &= Q(Exists(consented))
    return visible


def _sealed_for(actor: Actor) -> Q:
    named = SealedFor.objects.filter(entry=OuterRef("pk"), job_role=actor.job_role)
    by_author = Q(created_by=actor.user) if actor.user is not None else Q(pk__in=[])
    return Q(author_organisation_id=actor.organisation_id) & (Q(Exists(named)) | by_author)


def entries_visible_to(
    actor: Actor, person: Person, *, purpose: str = Purpose.DIRECT_CARE
) -> QuerySet[RecordEntry]:
    """The person's record entries this actor may see, filtered in SQL. Call only after the
    actor may see the person (decide or get_person_for): this answers which items, not whom.

    Own organisation's entries: all but sealed ones not meant for the actor. Another
    organisation's: unsealed, and either an agreement in force covers the category and purpose
    and the person has not objected, or a disclosure without consent covers it. A purpose
    beyond direct care also needs the person's explicit consent."""
    if actor.role_profile is None and actor.client is None:
        return RecordEntry.objects.none()
    unsealed = Q(sealed=False) & items_visible_q(actor, purpose=purpose)
    sealed = Q(sealed=True) & _sealed_for(actor)
    if purpose in Purpose.beyond_direct_care():
        sealed &= items_visible_q(actor, purpose=purpose)
    return RecordEntry.objects.filter(unsealed | sealed, person=person)


@dataclass(frozen=True)
class Flow:
    """Whether items of one category written by one organisation reach another, and why."""

    allowed: bool
    reason: str


def category_flow(
    *,
    person: Person,
    author_organisation: Organisation,
    reader_organisation: Organisation,
    category: InformationCategory,
    purpose: str = Purpose.DIRECT_CARE,
) -> Flow:
    """The same rule as entries_visible_to, for one cell of the person's sharing page, with
    the agreement, objection or disclosure that decides it named."""
    day = timezone.localdate()
    if author_organisation.pk == reader_organisation.pk:
        return Flow(True, f"{reader_organisation.name} wrote these entries.")
    if (
        purpose in Purpose.beyond_direct_care()
        and not choices_in_force(
            kind=ChoiceKind.CONSENT,
            person=person.pk,
            category=category.pk,
            organisation=reader_organisation.pk,
            purpose=purpose,
        ).exists()
    ):
        return Flow(False, f"{person.known_as} has not consented to use for {purpose}.")
    disclosure = disclosures_covering(
        person=person.pk, category=category.pk, organisation=reader_organisation.pk, day=day
    ).first()
    if disclosure is not None:
        return Flow(
            True,
            f"Shared without consent ({disclosure.get_basis_display().lower()}), decided on "
            f"{timezone.localtime(disclosure.decided_at):%d %B %Y}.",
        )
    objection = choices_in_force(
        kind=ChoiceKind.OBJECTION,
        person=person.pk,
        category=category.pk,
        organisation=reader_organisation.pk,
        purpose=purpose,
    ).first()
    agreement = agreements_covering(
        author_organisation=author_organisation.pk,
        reader_organisation=reader_organisation.pk,
        category=category.pk,
        purpose=purpose,
        day=day,
    ).first()
    if agreement is None:
        return Flow(
            False,
            f"No sharing agreement in force between {author_organisation.name} and "
            f"{reader_organisation.name} covers {category.name.lower()}.",
        )
    if objection is not None:
        return Flow(
            False,
            f"{person.known_as} objected on {timezone.localtime(objection.recorded_at):%d %B %Y}.",
        )
    return Flow(True, f"Shared under the agreement “{agreement.title}”.")


def explain_entry(actor: Actor, entry: RecordEntry) -> str:
    """Why can I see this? For an entry the actor can see (entries_visible_to)."""
    if entry.author_organisation_id == actor.organisation_id:
        if entry.sealed:
            return "It is sealed, and your role is one its author named."
        return "Your organisation wrote it."
    assert actor.role_profile is not None  # noqa: S101 - the actor saw the entry
    return category_flow(
        person=entry.person,
        author_organisation=entry.author_organisation,
        reader_organisation=actor.role_profile.organisation,
        category=entry.category,
    ).reason
