"""The shared, person-centred care plan: what matters to the person, strengths and needs, goals
scored by goal attainment scaling, actions across agencies, options and choices, decisions
with everyone's view, the person's agreement, reviews, and every version.

One plan per person is active at a time. Every change goes through careplans.services, which
checks the access policy, bumps the plan's version (the ETag the API gives out), keeps a
snapshot of the whole plan as a CarePlanVersion, and audits the change."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from joinedup.core.models import BaseModel


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class CarePlan(BaseModel):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="care_plans")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    owner = models.ForeignKey(
        "accounts.RoleProfile",
        on_delete=models.PROTECT,
        related_name="care_plans_owned",
        help_text="The lead professional, who owns the plan.",
    )
    what_matters = models.TextField(
        "what matters to me", blank=True, help_text="In the person's own words."
    )
    contingency = models.TextField(
        "if things go wrong",
        blank=True,
        help_text="What to do in a crisis, and the signs to look out for.",
    )
    whom_to_call = models.TextField("whom to call", blank=True)
    review_every_weeks = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(104)]
    )
    next_review_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    closed_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="active"),
                name="one_active_plan_per_person",
            )
        ]
        indexes = [models.Index(fields=["owner", "next_review_on"], name="plan_owner_review")]

    def __str__(self) -> str:
        return f"Care plan for {self.person_id} (version {self.version})"


class CarePlanVersion(models.Model):
    """The whole plan as it stood after one change: who, when, what (a summary) and a snapshot
    the history page compares with the version before."""

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    summary = models.CharField(max_length=300)
    snapshot = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_role = models.ForeignKey(
        "accounts.RoleProfile", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_version_number_per_plan")
        ]

    def __str__(self) -> str:
        return f"Version {self.number}: {self.summary}"


class PlanItem(BaseModel):
    """An item of the plan: labelled with an information category and the organisation whose
    professional wrote it, so the access policy (policy.items_visible_q) decides who sees it,
    exactly as for record entries."""

    category = models.ForeignKey(
        "sharing.InformationCategory", on_delete=models.PROTECT, related_name="+"
    )
    author_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class NeedKind(models.TextChoices):
    STRENGTH = "strength", "Strength"
    NEED = "need", "Need"


class PlanNeed(PlanItem):
    """A strength or a need, labelled with an information category like every item of person
    data, so the policy decides who sees it."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(max_length=10, choices=NeedKind.choices)
    description = models.TextField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "created_at"]


class GoalStatus(models.TextChoices):
    ACTIVE = "active", "Working on it"
    ACHIEVED = "achieved", "Achieved"
    STOPPED = "stopped", "Stopped"


class Goal(PlanItem):
    """A goal in the person's words, with a measurable statement and the five goal attainment
    levels described when it is set (DOMAIN.md section 5)."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    in_their_words = models.TextField("in the person's words")
    measurable = models.TextField("how we will know")
    level_minus_2 = models.CharField("much less than expected (−2)", max_length=300)
    level_minus_1 = models.CharField("somewhat less than expected (−1)", max_length=300)
    level_0 = models.CharField("the expected outcome (0)", max_length=300)
    level_plus_1 = models.CharField("somewhat more than expected (+1)", max_length=300)
    level_plus_2 = models.CharField("much more than expected (+2)", max_length=300)
    baseline = models.SmallIntegerField(
        default=-1,
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
        help_text="Where the person is when the goal is set: usually −1 or −2.",
    )
    weight = models.DecimalField(
        max_digits=4, decimal_places=1, default=Decimal("1.0"), validators=[MinValueValidator(0.1)]
    )
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    set_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["set_on", "created_at"]

    def __str__(self) -> str:
        return self.in_their_words[:60]

    def level_description(self, level: int) -> str:
        return {
            -2: self.level_minus_2,
            -1: self.level_minus_1,
            0: self.level_0,
            1: self.level_plus_1,
            2: self.level_plus_2,
        }[level]


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class PlanAction(PlanItem):
    """Who does what by when. Assigned to a care-team member (a role profile) or to an
    organisation; the action type says who is competent to do it (careplans/action_types.toml)."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="actions")
    what = models.TextField()
    action_type = models.CharField(max_length=40)
    assignee = models.ForeignKey(
        "accounts.RoleProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_actions",
    )
    assignee_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="plan_actions"
    )
    due_on = models.DateField()
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_on"], name="action_assignee_due"),
            models.Index(
                fields=["assignee_organisation", "status", "due_on"], name="action_org_due"
            ),
        ]

    def __str__(self) -> str:
        return self.what[:60]

    @property
    def is_open(self) -> bool:
        return self.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class ActionStatusChange(models.Model):
    """The action's workflow history: immutable rows; the action's status is the latest."""

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(max_length=12, choices=ActionStatus.choices)
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class CapacityForDecision(models.TextChoices):
    HAS_CAPACITY = "has_capacity", "Had capacity for this decision (assumed or assessed)"
    LACKS_CAPACITY = "lacks_capacity", "Assessed as lacking capacity for this decision"


class InformedChoice(PlanItem):
    """Options offered for one decision, how they were explained, and what the person chose:
    informed choice (DOMAIN.md section 5) under the Mental Capacity Act (section 6)."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="choices")
    question = models.CharField("the decision", max_length=300)
    explained_by = models.ForeignKey(
        "accounts.RoleProfile", on_delete=models.PROTECT, related_name="+"
    )
    explained_how = models.TextField(
        help_text="How the options were explained, honouring the person's communication needs."
    )
    chosen = models.ForeignKey(
        "ChoiceOption", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reasons = models.TextField("the person's reasons", blank=True)
    capacity = models.CharField(max_length=20, choices=CapacityForDecision.choices)
    capacity_assessment = models.TextField(blank=True)
    best_interests_decision = models.TextField(blank=True)
    consulted = models.TextField(
        "who was consulted",
        blank=True,
        help_text="Family, carers, an attorney under a health and welfare LPA, professionals.",
    )
    attorney = models.ForeignKey(
        "people.Relationship", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["decided_on", "created_at"]

    def __str__(self) -> str:
        return self.question


class ChoiceOption(models.Model):
    choice = models.ForeignKey(InformedChoice, on_delete=models.CASCADE, related_name="options")
    title = models.CharField(max_length=200)
    involves = models.TextField("what it involves")
    benefits = models.TextField()
    risks = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Decision(PlanItem):
    """A decision taken together: what, when, who took part and each one's view. A dissent
    stays visible and can be escalated later (the disagreements feature)."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="decisions")
    what = models.TextField("what was decided")
    decided_on = models.DateField(default=timezone.localdate)
    person_agreed = models.BooleanField(null=True, help_text="Empty if the person was not asked.")
    person_view = models.TextField("the person's view, in their words", blank=True)

    class Meta:
        ordering = ["decided_on", "created_at"]

    def __str__(self) -> str:
        return self.what[:60]


class ParticipantKind(models.TextChoices):
    PERSON = "person", "The person"
    FAMILY = "family", "Family, carer or representative"
    PROFESSIONAL = "professional", "Professional"


class View(models.TextChoices):
    AGREE = "agree", "Agrees"
    DISAGREE = "disagree", "Disagrees"
    ABSTAIN = "abstain", "Abstains"


class DecisionView(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="views")
    kind = models.CharField(max_length=16, choices=ParticipantKind.choices)
    name = models.CharField(max_length=200)
    role_profile = models.ForeignKey(
        "accounts.RoleProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    relationship = models.ForeignKey(
        "people.Relationship", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    view = models.CharField(max_length=10, choices=View.choices)
    words = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.get_view_display()}"


class PlanAgreement(BaseModel):
    """The person's (or their representative's) "I agree with this plan", or what they do not
    agree with, for one version of the plan."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="agreements")
    plan_version = models.PositiveIntegerField()
    agrees = models.BooleanField()
    not_agreed = models.TextField("what they do not agree with", blank=True)
    by_person = models.BooleanField(default=True)
    representative = models.ForeignKey(
        "people.Relationship", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_role = models.ForeignKey(
        "accounts.RoleProfile", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]


class PlanReview(BaseModel):
    """A review of the plan: who came, the goal scores, what changed and when next."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()
    attendance = models.TextField("who came")
    what_changed = models.TextField(blank=True)
    person_view = models.TextField("the person's view of how it is going", blank=True)
    next_review_on = models.DateField()
    t_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    recorded_by_role = models.ForeignKey(
        "accounts.RoleProfile", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-created_at"]


class GoalScore(models.Model):
    """The level a goal reached at a review, who scored it, and the person's own view."""

    review = models.ForeignKey(PlanReview, on_delete=models.CASCADE, related_name="scores")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="scores")
    level = models.SmallIntegerField(validators=[MinValueValidator(-2), MaxValueValidator(2)])
    weight = models.DecimalField(max_digits=4, decimal_places=1)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    person_view = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "goal"], name="one_score_per_goal_per_review")
        ]

    def __str__(self) -> str:
        return f"{self.level:+d}"
