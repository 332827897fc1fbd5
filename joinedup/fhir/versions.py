"""If-Match for FHIR updates. FHIR clients send the resource's `meta.versionId` as a weak entity
tag, `W/"3"` (FHIR RESTful API, "Managing Resource Contention"); joinedup's own ETags are strong
tags naming the record and its version, `"<id>-3"` (api/versions.py). Either names a version
here: a FHIR client that never saw our ETag header can still update safely, and one that did
can send it back unchanged."""

from __future__ import annotations

import re
import uuid

from django.http import HttpRequest

from joinedup.api.versions import IfMatchMissing, version_named

# W/"<versionId>" as FHIR servers give it, and the strong form some clients send back.
_FHIR_VERSION_TAG = re.compile(r'\s*(?:W/)?"([0-9]{1,9})"\s*')

__all__ = ["IfMatchMissing", "fhir_version"]


def fhir_version(request: HttpRequest, key: uuid.UUID, current: int) -> int | None:
    """The version of record `key` that the request's If-Match names, or None when it names
    another (the caller answers 412 with the current ETag). Raises IfMatchMissing (answer 428)
    without a usable header, and api.problems.InvalidInput (answer 400) for a header that is
    not an entity tag."""
    raw = request.headers.get("If-Match", "").strip()
    bare = _FHIR_VERSION_TAG.fullmatch(raw)
    if bare is not None:
        named = int(bare.group(1))
        return named if named == current else None
    return version_named(request, key, current, what="id")
