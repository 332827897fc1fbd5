"""The Jinja2 environment: our templates first, then the NHS.UK frontend components."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from joinedup.core.identifiers import format_nhs_number


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def format_date(value: date | datetime | None, style: str = "long") -> str:
    """Dates the NHS.UK way: 4 March 2026 (and 14:05 for times)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{local.day} {local:%B %Y} at {local:%H:%M}"
    if style == "short":
        return f"{value.day} {value:%b %Y}"
    return f"{value.day} {value:%B %Y}"


def age_on(born: date, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def environment(**options: Any) -> Environment:
    loader = options.pop("loader")
    options["undefined"] = ChainableUndefined
    # Every template escapes what it prints, whatever settings.TEMPLATES says.
    options.pop("autoescape", None)
    env = Environment(
        loader=ChoiceLoader([loader, PackageLoader("nhsuk_frontend_jinja")]),
        autoescape=True,
        **options,
    )
    env.globals.update(
        {"url": url, "static": static, "get_messages": get_messages, "age_on": age_on}
    )
    env.filters.update({"nhs_number": format_nhs_number, "date": format_date})
    return env
