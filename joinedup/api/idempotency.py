"""Idempotency keys for creates: a client that sends `Idempotency-Key: <key>` with a POST and
retries it (after a timeout or a dropped connection) gets the first response again, with the
same status, body, Location and ETag, and the work is not done twice.

Used by an operation as:

    return idempotent(request, lambda: create_the_thing_and_answer_201())

Rules:
- A key belongs to the token that sent it; another token's same key is a different key.
- The same key with a different request (method, path or body; the JSON body is compared as
  data, so spacing and member order do not matter) is refused with a 422 problem.
- Only successful (2xx) answers are kept. An error keeps nothing, so the client can correct
  the request and send it again under the same key.
- Two requests racing with one key: the second waits for the first to finish and then gets
  its answer (the key is claimed in the database, in the same transaction as the work).
- Answers are kept for at least KEEP_FOR (24 hours); `forget_old_responses` removes older ones.

Call it after the caller has been authorised for the resource: a retry is answered from the
store without doing the work, so without repeating the work's own checks."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from joinedup.accounts.models import ApiToken
from joinedup.api.auth import caller_of
from joinedup.api.models import IdempotentResponse
from joinedup.api.problems import FieldProblem, InvalidInput, problem

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# Visible ASCII: what a UUID, a ULID or any sensible client-made key is made of.
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
# The response headers a retry gets back.
KEPT_HEADERS = ("Location", "ETag", "Content-Location", "Last-Modified")

HEADER_DESCRIPTION = (
    "Optional. A key you make up for this create, unique to it (a UUID is ideal), so you can "
    "safely send it again if you get no answer: the same key with the same request returns "
    "the first response (same status, body, Location and ETag, with `Idempotent-Replayed: "
    "true`) without doing the work again. The same key with a different request is refused "
    "(422). Keys belong to the token that sent them and are kept for at least 24 hours. Up "
    "to 255 visible ASCII characters."
)


class _NotKept(Exception):
    """Leaves the transaction without keeping anything: the answer was not a success."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def key_of(request: HttpRequest) -> str | None:
    """The request's Idempotency-Key, or None if it has none. A key that is blank, too long or
    not visible ASCII is refused (400). Quotes around it (a structured-field string, as the
    IETF draft writes it) are not part of the key."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not _KEY.fullmatch(key):
        raise InvalidInput(
            [
                FieldProblem(
                    name=HEADER,
                    rule="idempotency_key",
                    detail=f"Use 1 to {MAX_KEY_LENGTH} visible characters (letters, digits, "
                    "punctuation; no spaces), for example a UUID.",
                )
            ]
        )
    return key


def request_digest(request: HttpRequest) -> str:
    """What makes two requests "the same": method, path and body. A JSON body is compared as
    data (member order and spacing do not matter); any other body byte for byte."""
    body = request.body
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def idempotent(request: HttpRequest, respond: Callable[[], HttpResponse]) -> HttpResponse:
    """Answer `respond()` once per Idempotency-Key of the calling token; without a key, just
    answer it. `respond` does the work and returns the response to keep; if it raises or
    answers other than 2xx, nothing is kept and its work is rolled back with the claim."""
    key = key_of(request)
    if key is None:
        return respond()
    token = caller_of(request).token
    digest = request_digest(request)
    try:
        with transaction.atomic():
            kept = _claim(token, key, digest)
            if kept is not None:
                return _answer_again(request, kept, digest)
            response = respond()
            if not 200 <= response.status_code < 300:
                raise _NotKept(response)
            _keep(token, key, response)
            return response
    except _NotKept as not_kept:
        return not_kept.response


def _claim(token: ApiToken, key: str, digest: str) -> IdempotentResponse | None:
    """Claim the key for this request, or return the response kept for it. A request racing
    with the first one for the key waits here (on the unique constraint) until it is done."""
    try:
        with transaction.atomic():
            IdempotentResponse.objects.create(token=token, key=key, request_digest=digest)
    except IntegrityError:
        return IdempotentResponse.objects.get(token=token, key=key)
    return None


def _keep(token: ApiToken, key: str, response: HttpResponse) -> None:
    headers = {name: response[name] for name in ("Content-Type", *KEPT_HEADERS) if name in response}
    IdempotentResponse.objects.filter(token=token, key=key).update(
        status=response.status_code,
        body=response.content.decode(response.charset or "utf-8"),
        headers=headers,
    )


def _answer_again(request: HttpRequest, kept: IdempotentResponse, digest: str) -> HttpResponse:
    if kept.request_digest != digest:
        raise _NotKept(_different_request(request))
    response = HttpResponse(kept.body, status=kept.status)
    for name, value in kept.headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def _different_request(request: HttpRequest) -> HttpResponse:
    return problem(
        request,
        status=422,
        slug="idempotency-key-reused",
        title="Idempotency-Key already used",
        detail="This Idempotency-Key was used with a different request. Use a new key for a "
        "new request; send the same key only to retry exactly the same request.",
        errors=[
            FieldProblem(
                name=HEADER,
                rule="idempotency_key_reused",
                detail="This key was first sent with a different method, address or body.",
            )
        ],
    )


def forget_old_responses(*, now: datetime | None = None) -> int:
    """Delete kept responses older than KEEP_FOR; returns how many. For a scheduled job."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _ = IdempotentResponse.objects.filter(created_at__lt=cutoff).delete()
    return deleted
