"""Reading a page the way a person does: its words without the markup, its table rows and
what its form fields hold.

Page tests assert on what a user sees, so `"Preferred name Peggy" in visible_text(response)`
rather than on HTML structure. Text hidden from sight but read out by screen readers (the
NHS.UK visually hidden spans) counts as visible: it is part of what the page says."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

_NOT_TEXT = re.compile(r"<(script|style|svg|title|head)\b.*?</\1>", flags=re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" (?=[.,;:!?)])")
_ROW = re.compile(r"<tr\b.*?</tr>", flags=re.S)
_TABLE = re.compile(r"<table\b.*?</table>", flags=re.S)
_CAPTION = re.compile(r"<caption\b.*?</caption>", flags=re.S)
_MAIN = re.compile(r"<main\b.*?</main>", flags=re.S)


def text_of(markup: str) -> str:
    """The words in some HTML, on one line: tags removed, entities decoded, spaces collapsed
    (and none left before punctuation that followed a link)."""
    words = _SPACES.sub(" ", html.unescape(_TAG.sub(" ", _NOT_TEXT.sub(" ", markup))))
    return _SPACE_BEFORE_PUNCTUATION.sub("", words).strip()


def visible_text(response: TestResponse) -> str:
    """Everything the page says, header and footer included."""
    return text_of(response.content.decode())


def main_text(response: TestResponse) -> str:
    """What the page's <main> says: without the header (acting role) or footer."""
    match = _MAIN.search(response.content.decode())
    assert match is not None, "The page has no <main>"
    return text_of(match.group(0))


def _caption_of(table: str) -> str:
    match = _CAPTION.search(table)
    return text_of(match.group(0)) if match else ""


def table_rows(response: TestResponse, caption: str = "") -> list[str]:
    """The text of every table row on the page, heading rows included; only the rows of the
    table with this caption when one is given."""
    page = response.content.decode()
    if caption:
        tables = [table for table in _TABLE.findall(page) if _caption_of(table) == caption]
        assert len(tables) == 1, f"{len(tables)} tables have the caption {caption!r}"
        page = tables[0]
    return [text_of(row) for row in _ROW.findall(page)]


def row_with(response: TestResponse, *words: str) -> str:
    """The one table row that contains all these words."""
    rows = [row for row in table_rows(response) if all(word in row for word in words)]
    assert len(rows) == 1, f"{len(rows)} rows contain {words!r}"
    return rows[0]


def _value_attribute(tag: str) -> str:
    match = re.search(r'\bvalue="([^"]*)"', tag)
    return html.unescape(match.group(1)) if match else ""


def form_value(response: TestResponse, name: str) -> str:
    """What a form field on the page holds, as the user would see it: a text box's or text
    area's contents, the checked radio's value or the selected option's value ("" if none)."""
    page = response.content.decode()
    field = re.escape(name)
    area = re.search(rf'<textarea\b[^>]*\bname="{field}"[^>]*>(.*?)</textarea>', page, re.S)
    if area:
        return html.unescape(area.group(1)).strip()
    for tag in re.findall(rf'<input\b[^>]*\bname="{field}"[^>]*>', page):
        if not re.search(r'\btype="(radio|checkbox)"', tag):
            return _value_attribute(tag)
        if re.search(r"\schecked\b", tag):
            return _value_attribute(tag)
    select = re.search(rf'<select\b[^>]*\bname="{field}"[^>]*>(.*?)</select>', page, re.S)
    if select:
        chosen = re.search(r"<option\b[^>]*\sselected\b[^>]*>", select.group(1))
        return _value_attribute(chosen.group(0)) if chosen else ""
    return ""
