"""One page of a long list, with the NHS.UK pagination component's parameters for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 25


def paginate(
    request: HttpRequest, rows: QuerySet[Any, Any] | Sequence[Any], *, per_page: int = PER_PAGE
) -> tuple[Page[Any], dict[str, Any]]:
    """One page of rows and the NHS.UK pagination component's parameters for it, keeping the
    filters in every link. `rows` may be a queryset: only one page is fetched."""
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))

    def href(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return f"?{query.urlencode()}"

    items: list[dict[str, Any]] = []
    if page.paginator.num_pages > 1:
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
            if isinstance(number, int):
                items.append(
                    {"number": number, "href": href(number), "current": number == page.number}
                )
            else:
                items.append({"ellipsis": True})
    pagination: dict[str, Any] = {"items": items}
    if page.has_previous():
        pagination["previous"] = {"href": href(page.previous_page_number())}
    if page.has_next():
        pagination["next"] = {"href": href(page.next_page_number())}
    return page, pagination
