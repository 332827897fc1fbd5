"""A care plan as plain data, kept with each version, and what changed between two versions.

Snapshots hold every item with its category and author organisation, so the history page can
leave out what the reader may not see (careplans.selectors filters them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from joinedup.careplans.models import CarePlan

_SECTION_WORDS = {
    "what_matters": "What matters to me",
    "contingency": "If things go wrong",
    "whom_to_call": "Whom to call",
    "review_every_weeks": "Review every (weeks)",
    "next_review_on": "Next review",
}

_ITEM_WORDS = {
    "needs": "Strength or need",
    "goals": "Goal",
    "actions": "Action",
    "choices": "Choice",
    "decisions": "Decision",
}


def _item(obj: Any, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(obj.pk),
        "category": obj.category_id,
        "author_organisation": str(obj.author_organisation_id),
        **fields,
    }


def snapshot_of(plan: CarePlan) -> dict[str, Any]:
    """The whole plan now, as JSON-ready data."""
    return {
        "sections": {
            "what_matters": plan.what_matters,
            "contingency": plan.contingency,
            "whom_to_call": plan.whom_to_call,
            "review_every_weeks": plan.review_every_weeks,
            "next_review_on": plan.next_review_on.isoformat() if plan.next_review_on else None,
        },
        "owner": str(plan.owner_id),
        "needs": [
            _item(need, text=f"{need.get_kind_display()}: {need.description}")
            for need in plan.needs.filter(removed_at__isnull=True).order_by("created_at")
        ],
        "goals": [
            _item(goal, text=goal.in_their_words, status=goal.status, weight=str(goal.weight))
            for goal in plan.goals.order_by("created_at")
        ],
        "actions": [
            _item(
                action,
                text=action.what,
                status=action.status,
                due_on=action.due_on.isoformat(),
                assignee=str(action.assignee_id or ""),
                organisation=str(action.assignee_organisation_id),
            )
            for action in plan.actions.order_by("created_at")
        ],
        "choices": [
            _item(choice, text=choice.question, chosen=str(choice.chosen_id or ""))
            for choice in plan.choices.order_by("created_at")
        ],
        "decisions": [
            _item(decision, text=decision.what, person_agreed=decision.person_agreed)
            for decision in plan.decisions.order_by("created_at")
        ],
    }


@dataclass(frozen=True)
class Change:
    """One difference between two versions, in words, with the category and author of the item
    it concerns (None for the plan's own sections, which everyone who sees the plan sees)."""

    words: str
    category: str | None = None
    author_organisation: str | None = None
    item_id: str | None = None


def changes_between(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """What changed from `before` to `after` (everything is new when there is no before)."""
    old = before or {"sections": {}}
    changes: list[Change] = []
    for key, label in _SECTION_WORDS.items():
        was, now = old["sections"].get(key), after["sections"].get(key)
        if was != now and (before is not None or now):
            changes.append(
                Change(f"{label}: \u201c{was or ''}\u201d \u2192 \u201c{now or ''}\u201d")
            )
    for key, label in _ITEM_WORDS.items():
        earlier = {item["id"]: item for item in old.get(key, [])}
        for item in after.get(key, []):
            previous = earlier.pop(item["id"], None)
            where = {
                "category": item["category"],
                "author_organisation": item["author_organisation"],
                "item_id": item["id"],
            }
            if previous is None:
                changes.append(Change(f"{label} added: {item['text']}", **where))
                continue
            differing = sorted(
                name for name in item if name != "id" and item.get(name) != previous.get(name)
            )
            if differing:
                detail = ", ".join(
                    f"{name.replace('_', ' ')} {previous.get(name)} \u2192 {item.get(name)}"
                    for name in differing
                )
                changes.append(Change(f"{label} changed ({item['text'][:60]}): {detail}", **where))
        for item in earlier.values():
            changes.append(
                Change(
                    f"{label} removed: {item['text']}",
                    category=item["category"],
                    author_organisation=item["author_organisation"],
                    item_id=item["id"],
                )
            )
    return changes
