"""Forms for changing a care plan. They check what was typed and turn it into the services'
arguments; careplans.services enforces the rules of the domain (the delegation check, capacity
and best interests, dissent needing words) and the access policy.

Every form that changes the plan carries the plan's version as it was when the form was opened
(`plan_version`, hidden), which the services take as `expected_version`: a change made by
someone else in the meantime comes back as a conflict page, never a silent overwrite.

There is one form for each kind of change the care team makes (nine); they share the version
and category handling, so they are kept together here, which makes this a long module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.careplans.competence import action_types
from joinedup.careplans.gas import LEVELS
from joinedup.careplans.models import (
    ActionStatus,
    CapacityForDecision,
    CarePlan,
    Goal,
    GoalStatus,
    NeedKind,
    ParticipantKind,
    PlanAction,
    View,
)
from joinedup.careplans.selectors import PlanView
from joinedup.careplans.services import (
    GoalScoreTerms,
    GoalTerms,
    OptionTerms,
    ParticipantView,
    ReviewTerms,
)
from joinedup.careteams.models import CareTeamMember
from joinedup.core.forms import NhsDateField, NhsukForm
from joinedup.core.jinja import format_date
from joinedup.directory.models import Organisation
from joinedup.people.models import Relationship, RelationshipKind
from joinedup.sharing.models import InformationCategory

PARTICIPANT_ROWS = 5
OPTION_ROWS = 3
MINUS = "\u2212"

LEVEL_WORDS = {
    -2: "much less than expected",
    -1: "somewhat less than expected",
    0: "the expected outcome",
    1: "somewhat more than expected",
    2: "much more than expected",
}


def signed(level: int) -> str:
    """−2, −1, 0, +1, +2: the goal attainment levels as people write them."""
    return f"+{level}" if level > 0 else f"{MINUS}{-level}" if level < 0 else "0"


def level_choices() -> list[tuple[str, str]]:
    return [(str(level), f"{signed(level)}: {LEVEL_WORDS[level]}") for level in LEVELS]


class PlanChangeForm(NhsukForm):
    """A form that changes the plan: it knows the plan as the writer sees it and carries the
    version they opened."""

    plan_version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "This page was out of date. Open the form again from the plan.",
            "invalid": "This page was out of date. Open the form again from the plan.",
        },
    )

    def __init__(self, *args: Any, plan: PlanView, **kwargs: Any) -> None:
        self.plan_view = plan
        super().__init__(*args, **kwargs)

    @property
    def known_as(self) -> str:
        return self.plan_view.person.known_as

    @property
    def opened_version(self) -> int:
        version: int = self.cleaned_data["plan_version"]
        return version

    def _choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared as one
        return field


class ItemForm(PlanChangeForm):
    """Every item of the plan is labelled with an information category, which decides which
    organisations see it (as for record entries)."""

    category = forms.ChoiceField(
        label="What kind of information is it?",
        widget=forms.RadioSelect,
        initial=InformationCategory.GENERAL,
        help_text="This decides which organisations in the care team can see it: only those "
        "whose sharing agreement with yours covers this kind of information.",
        error_messages={"required": "Choose what kind of information it is"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = list(InformationCategory.objects.order_by("name"))
        self._choice_field("category").choices = [(c.pk, c.name) for c in categories]
        self.category_hints = {
            c.pk: c.description
            + (" Sensitive: shared only where an agreement names it." if c.sensitive else "")
            for c in categories
        }


# -- the plan's own sections --------------------------------------------------------------------


class SectionsForm(PlanChangeForm):
    what_matters = forms.CharField(
        label="What matters to me",
        widget=forms.Textarea,
        required=False,
        max_length=5000,
    )
    contingency = forms.CharField(
        label="If things go wrong",
        widget=forms.Textarea,
        required=False,
        max_length=5000,
        help_text="What to do in a crisis, and the signs to look out for.",
    )
    whom_to_call = forms.CharField(
        label="Whom to call",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
        help_text="Names and phone numbers, in the order to try them.",
    )
    review_every_weeks = forms.IntegerField(
        label="Review the plan every (weeks)", min_value=1, max_value=104
    )
    next_review_on = NhsDateField(
        label="Next review (optional)",
        required=False,
        help_text="For example, 27 3 2026",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "what_matters"
        ].help_text = f"In {self.known_as}'s own words. About Me is a good place to start."

    @staticmethod
    def initial_from(plan: CarePlan) -> dict[str, Any]:
        return {
            "plan_version": plan.version,
            "what_matters": plan.what_matters,
            "contingency": plan.contingency,
            "whom_to_call": plan.whom_to_call,
            "review_every_weeks": plan.review_every_weeks,
            "next_review_on": plan.next_review_on,
        }

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "what_matters",
                "contingency",
                "whom_to_call",
                "review_every_weeks",
                "next_review_on",
            )
        }


# -- strengths, needs and goals -----------------------------------------------------------------


class NeedForm(ItemForm):
    kind = forms.ChoiceField(
        label="Is it a strength or a need?",
        choices=NeedKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose strength or need"},
    )
    description = forms.CharField(
        label="Describe it",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Describe the strength or need"},
    )

    field_order = ["plan_version", "kind", "description", "category"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["description"].help_text = f"In {self.known_as}'s words where you can."
        self.kind_hints = {
            NeedKind.STRENGTH.value: f"Something {self.known_as} is good at, enjoys or has "
            "going for them, like family close by.",
            NeedKind.NEED.value: f"Something {self.known_as} needs help or support with.",
        }

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "description": data["description"],
            "category": data["category"],
        }


LEVEL_FIELDS = {
    -2: "level_minus_2",
    -1: "level_minus_1",
    0: "level_0",
    1: "level_plus_1",
    2: "level_plus_2",
}


class GoalForm(ItemForm):
    in_their_words = forms.CharField(
        label="The goal, in their own words",
        widget=forms.Textarea,
        max_length=2000,
        help_text="For example, \u201cI want to get to the shops again on my own.\u201d",
    )
    measurable = forms.CharField(
        label="How will everyone know it is achieved?",
        widget=forms.Textarea,
        max_length=2000,
        help_text="Something you can see or count, like \u201cWalks to the corner shop on "
        "her own once a week\u201d.",
    )
    level_minus_2 = forms.CharField(label=f"{MINUS}2: much less than expected", max_length=300)
    level_minus_1 = forms.CharField(label=f"{MINUS}1: somewhat less than expected", max_length=300)
    level_0 = forms.CharField(label="0: the expected outcome", max_length=300)
    level_plus_1 = forms.CharField(label="+1: somewhat more than expected", max_length=300)
    level_plus_2 = forms.CharField(label="+2: much more than expected", max_length=300)
    baseline = forms.TypedChoiceField(
        label="Where are they now?",
        choices=level_choices,
        coerce=int,
        initial="-1",
        widget=forms.RadioSelect,
        help_text="Usually \u22121 or \u22122: the goal is about getting better.",
    )
    weight = forms.DecimalField(
        label="Weight",
        initial=Decimal("1.0"),
        min_value=Decimal("0.1"),
        max_value=Decimal("99.9"),
        max_digits=4,
        decimal_places=1,
        help_text="How much this goal counts in the plan's T-score compared with the others. "
        "Leave it at 1 unless the team agrees this goal matters more.",
    )

    field_order = [
        "plan_version",
        "in_their_words",
        "measurable",
        *LEVEL_FIELDS.values(),
        "baseline",
        "weight",
        "category",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["in_their_words"].label = f"The goal, in {self.known_as}'s own words"
        self.fields["baseline"].label = f"Where is {self.known_as} now?"
        for level, name in LEVEL_FIELDS.items():
            self.fields[name].error_messages["required"] = (
                f"Describe level {signed(level)} ({LEVEL_WORDS[level]}) before the goal is set"
            )
        self.fields["in_their_words"].error_messages["required"] = (
            f"Write the goal in {self.known_as}'s own words"
        )
        self.fields["measurable"].error_messages["required"] = (
            "Say how everyone will know it is achieved"
        )

    def terms(self) -> GoalTerms:
        data = self.cleaned_data
        return GoalTerms(
            in_their_words=data["in_their_words"],
            measurable=data["measurable"],
            levels={level: data[name] for level, name in LEVEL_FIELDS.items()},
            baseline=data["baseline"],
            weight=data["weight"],
            category=data["category"],
        )


# -- actions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignee:
    """Who an action goes to: one care-team member, or an organisation in the care team."""

    role_profile: RoleProfile | None = None
    organisation: Organisation | None = None


def assignees_from(team: list[CareTeamMember]) -> dict[str, tuple[str, str, Assignee]]:
    """The care team's practitioners, then its organisations: value → (text, hint, assignee)."""
    found: dict[str, tuple[str, str, Assignee]] = {}
    organisations: dict[str, Organisation] = {}
    for member in team:
        profile = member.role_profile
        if profile is None:
            continue
        found[f"person:{profile.pk}"] = (
            profile.practitioner.display_name,
            str(profile),
            Assignee(role_profile=profile),
        )
        organisations.setdefault(str(profile.organisation_id), profile.organisation)
    for key, organisation in organisations.items():
        found[f"organisation:{key}"] = (
            organisation.name,
            "The organisation decides who does it.",
            Assignee(organisation=organisation),
        )
    return found


class ActionForm(ItemForm):
    what = forms.CharField(
        label="What will be done?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Say what will be done"},
    )
    action_type = forms.ChoiceField(
        label="Type of action",
        help_text="This decides who can be given it: only someone qualified for this type.",
        error_messages={"required": "Choose the type of action"},
    )
    assignee = forms.ChoiceField(
        label="Who will do it?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who will do it"},
    )
    due_on = NhsDateField(
        label="Due by",
        future_only=True,
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date it is due by"},
    )
    goal = forms.ChoiceField(label="Which goal does it help with? (optional)", required=False)

    field_order = ["plan_version", "what", "action_type", "assignee", "due_on", "goal", "category"]

    def __init__(self, *args: Any, team: list[CareTeamMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = sorted(action_types().values(), key=lambda kind: kind.label)
        self._choice_field("action_type").choices = [
            ("", "Choose a type"),
            *((kind.code, kind.label) for kind in types),
        ]
        self.assignees = assignees_from(team)
        self._choice_field("assignee").choices = [
            (value, text) for value, (text, _, _) in self.assignees.items()
        ]
        self.assignee_hints = {value: hint for value, (_, hint, _) in self.assignees.items()}
        self.goals = {str(goal.pk): goal for goal in self.plan_view.goals if _open_goal(goal)}
        self._choice_field("goal").choices = [
            ("", "Not linked to a goal"),
            *((key, _short(goal.in_their_words)) for key, goal in self.goals.items()),
        ]

    def clean_assignee(self) -> Assignee:
        return self.assignees[self.cleaned_data["assignee"]][2]

    def clean_goal(self) -> Goal | None:
        chosen = self.cleaned_data["goal"]
        return self.goals[chosen] if chosen else None

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        assignee: Assignee = data["assignee"]
        return {
            "what": data["what"],
            "action_type": data["action_type"],
            "due_on": data["due_on"],
            "assignee": assignee.role_profile,
            "organisation": assignee.organisation,
            "goal": data["goal"],
            "category": data["category"],
        }


def _open_goal(goal: Goal) -> bool:
    return goal.status == GoalStatus.ACTIVE


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class ActionStatusForm(PlanChangeForm):
    status = forms.ChoiceField(
        label="What is happening with it now?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is happening with it now"},
    )
    reason = forms.CharField(
        label="Why is it cancelled? (only if you cancel it)",
        widget=forms.Textarea,
        required=False,
        max_length=300,
    )

    def __init__(self, *args: Any, action: PlanAction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self._choice_field("status").choices = [
            (value, label) for value, label in ActionStatus.choices if value != action.status
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == ActionStatus.CANCELLED and not data.get("reason", "").strip():
            self.add_error("reason", "Say why the action is cancelled")
        return data


# -- options and choices ---------------------------------------------------------------------------

OPTION_PARTS = {
    "title": "Option",
    "involves": "What it involves",
    "benefits": "Benefits",
    "risks": "Risks",
}
NOT_CHOSEN = "none"


class ChoiceForm(ItemForm):
    """The options offered for one decision (at least two), how they were explained, what the
    person chose and why; and, where they lacked capacity for it, the best-interests decision."""

    question = forms.CharField(
        label="What is the decision about?",
        max_length=300,
        help_text="For example, \u201cWhere to live after leaving hospital\u201d.",
        error_messages={"required": "Say what the decision is about"},
    )
    explained_how = forms.CharField(
        label="How were the options explained?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Say how the options were explained"},
    )
    capacity = forms.ChoiceField(
        label="Capacity for this decision",
        choices=CapacityForDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether they had capacity for this decision"},
    )
    chosen = forms.ChoiceField(label="Which option was chosen?", widget=forms.RadioSelect)
    reasons = forms.CharField(
        label="Their reasons, in their words",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
    )
    capacity_assessment = forms.CharField(
        label="Capacity assessment (only if they lack capacity for this decision)",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
        help_text="Who assessed it, when, and what they found.",
    )
    best_interests_decision = forms.CharField(
        label="Best-interests decision (only if they lack capacity for this decision)",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
    )
    consulted = forms.CharField(
        label="Who was consulted (only for a best-interests decision)",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
        help_text="Family, carers, an attorney, an advocate, professionals.",
    )
    attorney = forms.ChoiceField(
        label="Attorney under a health and welfare lasting power of attorney (optional)",
        required=False,
    )

    def __init__(self, *args: Any, relationships: list[Relationship], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, OPTION_ROWS + 1):
            for part, label in OPTION_PARTS.items():
                name = f"option_{number}_{part}"
                wide = part != "title"
                self.fields[name] = forms.CharField(
                    label=f"Option {number}"
                    if part == "title"
                    else f"Option {number}: {label.lower()}",
                    required=False,
                    max_length=200 if part == "title" else 2000,
                    widget=forms.Textarea if wide else forms.TextInput,
                )
        person = self.plan_view.person
        needs = ", ".join(person.communication_need_labels())
        self.fields["explained_how"].help_text = (
            f"How {self.known_as}'s communication needs were met"
            + (f" ({needs})" if needs else "")
            + ", and who was there."
        )
        self.fields["capacity"].label = f"Did {self.known_as} have capacity for this decision?"
        self.fields["reasons"].label = f"{self.known_as}'s reasons, in their words"
        self._choice_field("chosen").choices = [
            *((str(n), f"Option {n}") for n in range(1, OPTION_ROWS + 1)),
            (NOT_CHOSEN, "None yet"),
        ]
        self.fields[
            "chosen"
        ].help_text = f"{self.known_as}'s choice, or the option decided in their best interests."
        self.fields["chosen"].error_messages["required"] = "Choose which option was chosen"
        self.attorneys = {
            str(r.pk): r for r in relationships if r.kind == RelationshipKind.ATTORNEY
        }
        self._choice_field("attorney").choices = [
            ("", "No attorney consulted"),
            *(
                (key, f"{r.full_name} ({r.relationship or 'attorney'})")
                for key, r in self.attorneys.items()
            ),
        ]

    def option_rows(self) -> Iterator[tuple[int, list[str]]]:
        for number in range(1, OPTION_ROWS + 1):
            yield number, [f"option_{number}_{part}" for part in OPTION_PARTS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        described = []
        for number, names in self.option_rows():
            typed = [data.get(name, "").strip() for name in names]
            if not any(typed):
                continue
            described.append(number)
            for name, text in zip(names, typed, strict=True):
                if not text:
                    part = OPTION_PARTS[name.rsplit("_", 1)[1]].lower()
                    self.add_error(name, f"Say {_option_part_words(part)} for option {number}")
        if len(described) < 2:
            self.add_error(
                "option_1_title" if not described else f"option_{_first_empty(described)}_title",
                "Describe at least two options (doing nothing can be one)",
            )
        chosen = data.get("chosen")
        if chosen and chosen != NOT_CHOSEN and int(chosen) not in described:
            self.add_error("chosen", "Choose one of the options you have described")
        self.described = described
        return data

    def clean_attorney(self) -> Relationship | None:
        chosen = self.cleaned_data["attorney"]
        return self.attorneys.get(chosen) if chosen else None

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        options = [
            OptionTerms(*(data[name] for name in names))
            for number, names in self.option_rows()
            if number in self.described
        ]
        chosen = data["chosen"]
        return {
            "question": data["question"],
            "options": options,
            "explained_how": data["explained_how"],
            "chosen": None if chosen == NOT_CHOSEN else self.described.index(int(chosen)),
            "reasons": data["reasons"],
            "capacity": data["capacity"],
            "capacity_assessment": data["capacity_assessment"],
            "best_interests_decision": data["best_interests_decision"],
            "consulted": data["consulted"],
            "attorney": data["attorney"],
            "category": data["category"],
        }


def _option_part_words(part: str) -> str:
    return {
        "option": "what the option is",
        "what it involves": "what it involves",
        "benefits": "its benefits",
        "risks": "its risks",
    }[part]


def _first_empty(described: list[int]) -> int:
    return next(n for n in range(1, OPTION_ROWS + 1) if n not in described)


# -- decisions ------------------------------------------------------------------------------------

YES, NO, NOT_ASKED = "yes", "no", "not_asked"


@dataclass(frozen=True)
class Participant:
    label: str
    kind: str
    name: str
    role_profile: RoleProfile | None = None
    relationship: Relationship | None = None
    organisation: Organisation | None = None


def participants_from(
    team: list[CareTeamMember], relationships: list[Relationship]
) -> dict[str, Participant]:
    """Who can take part in a decision, besides the person: their family, carers and attorneys,
    and the professionals in their care team."""
    found: dict[str, Participant] = {}
    for relationship in relationships:
        found[f"relationship:{relationship.pk}"] = Participant(
            label=f"{relationship.full_name} ({relationship.relationship or relationship.get_kind_display()})",
            kind=ParticipantKind.FAMILY,
            name=relationship.full_name,
            relationship=relationship,
        )
    for member in team:
        profile = member.role_profile
        if profile is None:
            continue
        found[f"professional:{profile.pk}"] = Participant(
            label=f"{profile.practitioner.display_name} ({profile})",
            kind=ParticipantKind.PROFESSIONAL,
            name=profile.practitioner.display_name,
            role_profile=profile,
            organisation=profile.organisation,
        )
    return found


class DecisionForm(ItemForm):
    what = forms.CharField(
        label="What was decided?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Say what was decided"},
    )
    decided_on = NhsDateField(
        label="Date it was decided",
        past_only=True,
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date it was decided"},
    )
    person_agreed = forms.ChoiceField(
        label="Did they agree?",
        choices=[(YES, "Yes"), (NO, "No"), (NOT_ASKED, "They were not asked")],
        widget=forms.RadioSelect,
    )
    person_view = forms.CharField(
        label="Their view, in their words", widget=forms.Textarea, required=False, max_length=2000
    )

    def __init__(
        self,
        *args: Any,
        team: list[CareTeamMember],
        relationships: list[Relationship],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person_agreed"].label = f"Did {self.known_as} agree?"
        self.fields["person_agreed"].error_messages["required"] = (
            f"Say whether {self.known_as} agreed"
        )
        self.fields["person_view"].label = f"{self.known_as}'s view, in their words"
        self.participants = participants_from(team, relationships)
        for number in range(1, PARTICIPANT_ROWS + 1):
            self.fields[f"participant_{number}_who"] = forms.ChoiceField(
                label=f"Participant {number}: who",
                required=False,
                choices=[
                    ("", "Choose who took part"),
                    *((key, p.label) for key, p in self.participants.items()),
                ],
            )
            self.fields[f"participant_{number}_view"] = forms.ChoiceField(
                label=f"Participant {number}: their view",
                required=False,
                choices=View.choices,
                widget=forms.RadioSelect,
            )
            self.fields[f"participant_{number}_words"] = forms.CharField(
                label=f"Participant {number}: in their words",
                required=False,
                widget=forms.Textarea,
                max_length=2000,
            )

    def participant_rows(self) -> Iterator[tuple[int, list[str]]]:
        for number in range(1, PARTICIPANT_ROWS + 1):
            yield number, [f"participant_{number}_{part}" for part in ("who", "view", "words")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: set[str] = set()
        self.views: list[ParticipantView] = []
        for number, (who_name, view_name, words_name) in self.participant_rows():
            who, view = data.get(who_name, ""), data.get(view_name, "")
            words = data.get(words_name, "").strip()
            if not who:
                if view or words:
                    self.add_error(who_name, f"Choose who participant {number} is")
                continue
            participant = self.participants[who]
            if who in seen:
                self.add_error(who_name, f"{participant.name} is already listed")
                continue
            seen.add(who)
            if not view:
                self.add_error(view_name, f"Choose {participant.name}'s view")
                continue
            if view == View.DISAGREE and not words:
                self.add_error(
                    words_name,
                    f"Record {participant.name}'s reasons for disagreeing, in their words",
                )
                continue
            self.views.append(
                ParticipantView(
                    kind=participant.kind,
                    name=participant.name,
                    view=view,
                    words=words,
                    role_profile=participant.role_profile,
                    relationship=participant.relationship,
                    organisation=participant.organisation,
                )
            )
        agreed = data.get("person_agreed")
        if agreed == NO and not data.get("person_view", "").strip():
            self.add_error(
                "person_view",
                f"{self.known_as} did not agree: record their view in their words",
            )
        if agreed == NOT_ASKED and not seen and not self.errors:
            self.add_error("participant_1_who", "Record who took part and their view")
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        agreed = {YES: True, NO: False}.get(data["person_agreed"])
        views = list(self.views)
        if agreed is not None:
            # The person takes part in decisions about their own care: their view is one of
            # the views, as well as whether they agreed.
            person = self.plan_view.person
            views.insert(
                0,
                ParticipantView(
                    kind=ParticipantKind.PERSON,
                    name=person.full_name,
                    view=View.AGREE if agreed else View.DISAGREE,
                    words=data["person_view"],
                ),
            )
        return {
            "what": data["what"],
            "views": views,
            "person_agreed": agreed,
            "person_view": data["person_view"],
            "decided_on": data["decided_on"],
            "category": data["category"],
        }


# -- the person's agreement ----------------------------------------------------------------------

THEMSELVES = "person"


class AgreementForm(PlanChangeForm):
    agrees = forms.ChoiceField(label="Do they agree with this plan?", widget=forms.RadioSelect)
    not_agreed = forms.CharField(
        label="What do they not agree with?",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
        help_text="In their words. Only if they do not agree with all of it.",
    )
    who = forms.ChoiceField(label="Who is saying this?", widget=forms.RadioSelect)

    def __init__(self, *args: Any, relationships: list[Relationship], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known_as = self.known_as
        self.fields["agrees"].label = f"Does {known_as} agree with this plan?"
        self._choice_field("agrees").choices = [
            (YES, f"Yes, {known_as} agrees with this plan"),
            (NO, f"No, there are things {known_as} does not agree with"),
        ]
        self.fields["agrees"].error_messages["required"] = (
            f"Say whether {known_as} agrees with this plan"
        )
        self.fields["not_agreed"].label = f"What does {known_as} not agree with?"
        self.representatives = {str(r.pk): r for r in relationships}
        self._choice_field("who").choices = [
            (THEMSELVES, f"{known_as}, for themselves"),
            *(
                (
                    key,
                    f"{r.full_name} ({r.relationship or r.get_kind_display()}), on {known_as}'s behalf",
                )
                for key, r in self.representatives.items()
            ),
        ]
        self.fields["who"].initial = THEMSELVES
        self.fields["who"].error_messages["required"] = "Choose who is saying this"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("agrees") == NO and not data.get("not_agreed", "").strip():
            self.add_error(
                "not_agreed", f"Record what {self.known_as} does not agree with, in their words"
            )
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        who = data["who"]
        return {
            "agrees": data["agrees"] == YES,
            "not_agreed": data["not_agreed"],
            "representative": None if who == THEMSELVES else self.representatives[who],
        }


# -- reviews -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalRow:
    goal: Goal
    score: str  # field names
    view: str
    hints: dict[str, str]


class ReviewForm(PlanChangeForm):
    held_on = NhsDateField(
        label="Date of the review",
        past_only=True,
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date of the review"},
    )
    attendance = forms.CharField(
        label="Who came?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Record who came to the review"},
    )
    what_changed = forms.CharField(
        label="What has changed?", widget=forms.Textarea, required=False, max_length=5000
    )
    person_view = forms.CharField(
        label="Their view of how it is going",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
    )
    next_review_on = NhsDateField(
        label="Next review",
        future_only=True,
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date of the next review"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known_as = self.known_as
        self.fields[
            "attendance"
        ].help_text = f"{known_as}, family and professionals, with their organisations."
        self.fields["person_view"].label = f"{known_as}'s view of how the plan is going"
        self.goal_rows: list[GoalRow] = []
        for goal in self.plan_view.goals:
            if not _open_goal(goal):
                continue
            row = GoalRow(
                goal=goal,
                score=f"score_{goal.pk.hex}",
                view=f"view_{goal.pk.hex}",
                hints={str(level): goal.level_description(level) for level in LEVELS},
            )
            self.fields[row.score] = forms.TypedChoiceField(
                label=f"Level reached: \u201c{_short(goal.in_their_words)}\u201d",
                choices=level_choices(),
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose the level {known_as} reached for "
                    f"\u201c{_short(goal.in_their_words, 40)}\u201d"
                },
            )
            self.fields[row.view] = forms.CharField(
                label=f"{known_as}'s view of this goal (optional)",
                widget=forms.Textarea,
                required=False,
                max_length=2000,
            )
            self.goal_rows.append(row)

    @staticmethod
    def initial_for(plan: CarePlan) -> dict[str, Any]:
        today = timezone.localdate()
        return {
            "plan_version": plan.version,
            "held_on": today,
            "next_review_on": today + timedelta(weeks=plan.review_every_weeks),
        }

    def terms(self) -> ReviewTerms:
        data = self.cleaned_data
        return ReviewTerms(
            held_on=data["held_on"],
            attendance=data["attendance"],
            next_review_on=data["next_review_on"],
            what_changed=data["what_changed"],
            person_view=data["person_view"],
            scores=[
                GoalScoreTerms(row.goal, data[row.score], data[row.view]) for row in self.goal_rows
            ],
        )


# -- what was typed, for the conflict page ------------------------------------------------------


def typed_summary(form: PlanChangeForm) -> list[tuple[str, str]]:
    """What the writer typed, field by field, as the conflict page shows it beside the plan as
    it is now: labels and the words or choices they entered (empty fields left out)."""
    shown: list[tuple[str, str]] = []
    cleaned = getattr(form, "cleaned_data", {})
    for bound in form:
        if bound.is_hidden:
            continue
        value = cleaned.get(bound.name, bound.value())
        text = _as_text(bound.field, value)
        if text:
            shown.append((str(bound.label), text))
    return shown


def _as_text(field: forms.Field, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(field, forms.ChoiceField) and not isinstance(
        value, Goal | Assignee | Relationship
    ):
        choices: list[tuple[Any, Any]] = list(getattr(field, "choices", []))
        labels = {str(key): str(text) for key, text in choices}
        return labels.get(str(value), str(value))
    if isinstance(value, Assignee):
        chosen = value.role_profile or value.organisation
        return str(chosen.practitioner.display_name if isinstance(chosen, RoleProfile) else chosen)
    if isinstance(value, Goal):
        return value.in_their_words
    if isinstance(value, Relationship):
        return value.full_name
    if isinstance(value, date):
        return format_date(value)
    return str(value).strip()
