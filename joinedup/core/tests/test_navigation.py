"""The header links follow the acting role: emergency access only for roles that may use it,
the privacy officer's queue only for privacy officers."""

from __future__ import annotations

import re

import pytest

from joinedup.conftest import SignIn

_NAV = re.compile(r'<nav\b[^>]*class="[^"]*nhsuk-header__navigation[^"]*".*?</nav>', re.S)
_LINK_TEXT = re.compile(r"<a\b[^>]*>\s*(.*?)\s*</a>", re.S)


def header_links(html: str) -> list[str]:
    nav = _NAV.search(html)
    assert nav is not None, "the page has no header navigation"
    return [re.sub(r"<[^>]+>|\s+", " ", text).strip() for text in _LINK_TEXT.findall(nav.group(0))]


@pytest.mark.parametrize(
    ("persona", "shown", "not_shown"),
    [
        ("nurse", {"Emergency access", "Sharing agreements"}, {"Privacy alerts"}),
        ("privacy_officer", {"Privacy alerts", "Sharing agreements"}, {"Emergency access"}),
        ("voluntary", {"My people", "Find a person"}, {"Emergency access", "Privacy alerts"}),
    ],
)
def test_the_header_offers_what_the_role_may_do(
    sign_in: SignIn, persona: str, shown: set[str], not_shown: set[str]
) -> None:
    links = set(header_links(sign_in(persona).get("/").content.decode()))

    assert shown <= links
    assert not (not_shown & links)
