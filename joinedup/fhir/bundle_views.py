"""POST /fhir/R4/: transaction and batch Bundles (docs/fhir.md, "Transactions and batches").

This view reads the Bundle and checks the caller's token; fhir/bundles.py runs the entries,
each through the view that answers its address alone, so the access policy, validation and
audit of every entry are those views' own."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from joinedup.core.routes import Access, Audit, route
from joinedup.fhir import bundles
from joinedup.fhir.outcomes import (
    method_not_allowed,
    not_acceptable,
    outcome_response,
    server_error,
    unauthorised,
)
from joinedup.fhir.views import ACCEPTABLE, JSON_FORMATS, base_url, fhir_actor
from joinedup.sharing.actors import Actor


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@csrf_exempt
def bundle(request: HttpRequest) -> HttpResponse:
    """A transaction (all its entries or none) or a batch (each entry on its own). Each entry
    is audited by the view that answers it; a refused transaction is audited once more after
    it is undone (fhir/bundles.py)."""
    if request.method != "POST":
        return method_not_allowed(request, "POST")
    accept = request.headers.get("Accept", "").strip()
    if accept and not {p.split(";")[0].strip().lower() for p in accept.split(",")} & ACCEPTABLE:
        return not_acceptable(accept)
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        return _run(request, actor)
    except Exception:
        return server_error(request)


def _run(request: HttpRequest, actor: Actor) -> HttpResponse:
    if (request.content_type or "").lower() not in JSON_FORMATS:
        return outcome_response(
            415,
            code="not-supported",
            diagnostics="Send the Bundle as JSON (application/fhir+json).",
        )
    try:
        raw = request.body
    except RequestDataTooBig:
        megabytes = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) / (1024 * 1024)
        return outcome_response(
            413,
            code="too-costly",
            diagnostics=f"The Bundle is larger than the {megabytes:.1f} MB this server takes "
            "at once. Split it into smaller Bundles.",
        )
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return outcome_response(400, code="structure", diagnostics="The body is not JSON.")
    try:
        asked = bundles.read_bundle(body)
    except bundles.BundleProblem as problem:
        return problem.answer()
    dispatcher = bundles.Dispatcher(outer=request, base=base_url(request))
    with_resource = bundles.prefers_representation(request)
    if asked.kind == "transaction":
        return bundles.run_transaction(dispatcher, actor, asked, with_resource=with_resource)
    return bundles.run_batch(dispatcher, asked, with_resource=with_resource)
