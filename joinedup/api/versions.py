"""Strong ETags and If-Match for records that change (care plans, referrals, and the FHIR
resources that map to them): `"<id>-<version>"`, compared strongly, so a weak tag or a tag
for another record matches no version."""

from __future__ import annotations

import re
import uuid

from django.http import HttpRequest

from joinedup.api.problems import FieldProblem, InvalidInput

_TAG_LIST = re.compile(r'\s*(?:W/)?"[^"]*"\s*(?:,\s*(?:W/)?"[^"]*"\s*)*')
_TAG = re.compile(r'(W/)?"([^"]*)"')
_VERSION = re.compile(r"[0-9]{1,9}")


class IfMatchMissing(Exception):
    """A change sent without a usable If-Match (none, or `*`): the caller answers 428."""


def strong_etag(key: uuid.UUID, version: int) -> str:
    return f'"{key}-{version}"'


def version_named(request: HttpRequest, key: uuid.UUID, current: int, *, what: str) -> int | None:
    """The version of record `key` that the request's If-Match names: `current` if any tag
    names it, else another version it names, else None (the caller answers 412). Raises
    IfMatchMissing without a usable header and InvalidInput (400) for one that is not a list of
    entity tags. `what` names the record in the message ("plan id", "referral id")."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        raise IfMatchMissing
    if not _TAG_LIST.fullmatch(raw):
        raise InvalidInput(
            [
                FieldProblem(
                    name="If-Match",
                    rule="entity_tag",
                    detail=f'Send the ETag exactly as it was given, in double quotes: "<{what}>-'
                    '<version>".',
                )
            ]
        )
    prefix = f"{key}-"
    versions = [
        int(opaque[len(prefix) :])
        for weak, opaque in _TAG.findall(raw)
        if not weak and opaque.startswith(prefix) and _VERSION.fullmatch(opaque[len(prefix) :])
    ]
    if not versions:
        return None
    return current if current in versions else versions[0]
