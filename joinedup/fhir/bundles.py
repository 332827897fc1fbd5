"""Transaction and batch Bundles posted to the FHIR base (docs/fhir.md, "Transactions and
batches").

Each entry is answered by the view that answers its address alone: the entry's request is
made into an HttpRequest (the same Authorization header, its body, its If-Match and
If-None-Exist) and handed to the view Django's resolver finds under /fhir/R4/. So the access
policy, the validation and the audit apply to an entry exactly as to the same request sent on
its own; nothing here decides who may do what.

A transaction runs in one database transaction, in the order FHIR sets (DELETE, POST, PUT and
PATCH, then GET and HEAD), with `urn:uuid:` full URLs of created entries replaced by the
Type/id they were given, and conditional references (`Patient?identifier=…`) replaced by the
one record they match. The first entry answering 400 or more undoes all of it; the audit
events written on the way are undone with it, so one event saying the transaction was refused,
and every refused access it contained, are written again afterwards. A batch runs each entry on
its own."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError, transaction
from django.db.models.signals import post_save
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from joinedup.audit.models import AuditEvent, Outcome
from joinedup.audit.services import record_event
from joinedup.fhir.mapping import Json
from joinedup.fhir.outcomes import fhir_response, logger, operation_outcome
from joinedup.sharing.actors import Actor

MAX_ENTRIES = 500
VERBS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
# FHIR's order for a transaction's entries: DELETE, then POST, then PUT and PATCH, then the
# reads, so that reads see what the transaction did.
ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
# Addresses that are not one request's worth of work, so cannot be an entry.
NOT_IN_A_BUNDLE = frozenset({"bundle", "export", "export-status", "export-file"})
FHIR_JSON = "application/fhir+json"
URN_UUID = re.compile(r"urn:uuid:[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
CONDITIONAL_REFERENCE = re.compile(r"^(?P<type>[A-Z][A-Za-z]{1,63})\?(?P<query>.+)$")
# The request headers an entry's request element stands for, and the element each is in.
ENTRY_HEADERS = {
    "ifMatch": "If-Match",
    "ifNoneExist": "If-None-Exist",
    "ifNoneMatch": "If-None-Match",
    "ifModifiedSince": "If-Modified-Since",
}
HEADER_ELEMENT = {header: element for element, header in ENTRY_HEADERS.items()}
# Outer request headers an entry does not inherit: its own conditions and body stand instead.
NOT_INHERITED = frozenset(
    {
        "HTTP_IF_MATCH",
        "HTTP_IF_NONE_EXIST",
        "HTTP_IF_NONE_MATCH",
        "HTTP_IF_MODIFIED_SINCE",
        "HTTP_COOKIE",
        "HTTP_CONTENT_TYPE",
        "HTTP_CONTENT_LENGTH",
    }
)


class BundleProblem(Exception):
    """What is wrong with the Bundle or one entry, as an OperationOutcome's issue."""

    def __init__(
        self, status: int, diagnostics: str, *, expression: str | None, code: str = "invalid"
    ) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.diagnostics = diagnostics
        self.expression = expression
        self.code = code

    def answer(self) -> HttpResponse:
        return fhir_response(
            operation_outcome(
                severity="error",
                code=self.code,
                diagnostics=self.diagnostics,
                expression=self.expression,
            ),
            status=self.status,
        )


# -- reading the Bundle ---------------------------------------------------------------------


@dataclass
class Entry:
    """One entry's request, as sent (with its place in the Bundle)."""

    index: int
    method: str
    url: str
    full_url: str | None
    resource: Json | None
    headers: dict[str, str]
    problem: BundleProblem | None = None

    @property
    def at(self) -> str:
        return f"Bundle.entry[{self.index}]"

    def words(self) -> str:
        """The entry as a person would name it: `PUT Task/12`, without any search query (which
        may hold an NHS number)."""
        return f"{self.method} {self.url.split('?', 1)[0]}"


@dataclass(frozen=True)
class Asked:
    kind: str  # "transaction" or "batch"
    entries: list[Entry]


def read_bundle(body: object) -> Asked:
    """The Bundle's type and entries, or BundleProblem for a Bundle that cannot be run at all.
    A problem with one entry is kept on the entry: a batch answers it for that entry alone."""
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise BundleProblem(
            400,
            "Send a Bundle of type transaction or batch to this address.",
            expression="Bundle.resourceType",
        )
    kind = body.get("type")
    if kind not in ("transaction", "batch"):
        raise BundleProblem(
            400,
            f"This address runs Bundles of type transaction or batch, not {kind!r}. To create "
            "or change one record, send it to its own address (such as POST /CarePlan).",
            expression="Bundle.type",
            code="not-supported",
        )
    raw = body.get("entry", [])
    if not isinstance(raw, list):
        raise BundleProblem(400, "Give entry as a list.", expression="Bundle.entry")
    if len(raw) > MAX_ENTRIES:
        raise BundleProblem(
            413,
            f"This Bundle has {len(raw)} entries; at most {MAX_ENTRIES} are taken at once. "
            "Split it into smaller Bundles.",
            expression="Bundle.entry",
            code="too-costly",
        )
    entries = [_entry(index, item) for index, item in enumerate(raw)]
    _check_full_urls(entries)
    return Asked(kind=str(kind), entries=entries)


def _entry(index: int, item: object) -> Entry:
    at = f"Bundle.entry[{index}]"
    entry = Entry(index=index, method="", url="", full_url=None, resource=None, headers={})
    request = item.get("request") if isinstance(item, dict) else None
    if not isinstance(request, dict):
        entry.problem = BundleProblem(
            400, "Give each entry a request with its method and url.", expression=f"{at}.request"
        )
        return entry
    assert isinstance(item, dict)  # noqa: S101 - request came from it
    method, url = request.get("method"), request.get("url")
    if method not in VERBS:
        entry.problem = BundleProblem(
            400,
            f"Give request.method as one of {', '.join(VERBS)}.",
            expression=f"{at}.request.method",
        )
        return entry
    entry.method = str(method)
    if not isinstance(url, str) or not url.strip():
        entry.problem = BundleProblem(
            400,
            "Give request.url: the address the entry is for, such as CarePlan or Task/123.",
            expression=f"{at}.request.url",
        )
        return entry
    entry.url = url.strip()
    full_url = item.get("fullUrl")
    entry.full_url = full_url if isinstance(full_url, str) and full_url else None
    resource = item.get("resource")
    if entry.method in ("POST", "PUT"):
        if not isinstance(resource, dict):
            entry.problem = BundleProblem(
                400,
                f"A {entry.method} entry needs the resource to send.",
                expression=f"{at}.resource",
                code="required",
            )
            return entry
        entry.resource = resource
    for element, header in ENTRY_HEADERS.items():
        value = request.get(element)
        if isinstance(value, str) and value.strip():
            entry.headers[header] = value.strip()
    return entry


def _check_full_urls(entries: list[Entry]) -> None:
    seen: set[str] = set()
    for entry in entries:
        if entry.full_url is None or entry.problem is not None:
            continue
        if entry.full_url in seen:
            entry.problem = BundleProblem(
                400,
                f"Two entries have the full URL {entry.full_url}: each entry's must be its own.",
                expression=f"{entry.at}.fullUrl",
            )
        seen.add(entry.full_url)


def in_fhir_order(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda entry: (ORDER.get(entry.method, 3), entry.index))


# -- references between entries -------------------------------------------------------------


def replaced(value: Any, found: dict[str, str]) -> Any:
    """`value` (a resource, at any depth) with every string that is one of `found`'s full
    URLs replaced by what it was found to be: the references, and the uri elements too."""
    if isinstance(value, dict):
        return {key: replaced(item, found) for key, item in value.items()}
    if isinstance(value, list):
        return [replaced(item, found) for item in value]
    if isinstance(value, str) and value in found:
        return found[value]
    return value


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, str):
        yield value


def references_in(value: Any) -> Iterator[str]:
    """Every Reference.reference in `value`, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from references_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from references_in(item)


def in_url(url: str, found: dict[str, str]) -> str:
    """The entry's address with the urn:uuid full URLs of earlier entries replaced."""
    return URN_UUID.sub(lambda match: found.get(match.group(0), match.group(0)), url)


# -- answering one entry --------------------------------------------------------------------


@dataclass
class Answer:
    """What one entry's view answered."""

    status: int
    body: Json | None
    location: str | None = None
    etag: str | None = None

    @property
    def failed(self) -> bool:
        return self.status >= 400

    @classmethod
    def of(cls, response: HttpResponse) -> Answer:
        body: Json | None = None
        if response.content:
            try:
                parsed = json.loads(response.content)
            except ValueError:
                parsed = None
            body = parsed if isinstance(parsed, dict) else None
        return cls(
            status=response.status_code,
            body=body,
            location=response.get("Location"),
            etag=response.get("ETag"),
        )

    @classmethod
    def refusal(cls, problem: BundleProblem) -> Answer:
        return cls.of(problem.answer())

    def response_element(self, *, with_resource: bool) -> Json:
        """The entry's Bundle.entry.response (and resource, when asked for) in a
        transaction-response or batch-response."""
        response: Json = {"status": f"{self.status} {HTTPStatus(self.status).phrase}"}
        if self.location:
            response["location"] = self.location
        if self.etag:
            response["etag"] = self.etag
        resource = self.body or {}
        updated = (resource.get("meta") or {}).get("lastUpdated")
        if isinstance(updated, str) and not self.failed:
            response["lastModified"] = updated
        if self.failed and resource.get("resourceType") == "OperationOutcome":
            response["outcome"] = resource
        element: Json = {}
        if with_resource and not self.failed and self.body is not None:
            element["resource"] = self.body
        element["response"] = response
        return element


@dataclass
class Dispatcher:
    """Runs entries through the views, as the request that brought the Bundle."""

    outer: HttpRequest
    base: str  # the server's base URL, …/fhir/R4
    found: dict[str, str] = field(default_factory=dict)  # full URL → Type/id

    def run(self, entry: Entry, *, resolve_references: bool) -> Answer:
        if entry.problem is not None:
            return Answer.refusal(entry.problem)
        try:
            target = self._target(entry, in_url(entry.url, self.found))
            resource = entry.resource
            if resource is not None and resolve_references:
                resource = self._conditional_references(entry, replaced(resource, self.found))
        except BundleProblem as problem:
            return Answer.refusal(problem)
        path, _, query = target.partition("?")
        return Answer.of(self._call(entry.method, path, query, resource, entry.headers))

    def note_created(self, entry: Entry, answer: Answer) -> None:
        """Remember the Type/id a created entry was given, for later entries' references."""
        if entry.full_url is None or answer.failed or entry.method != "POST":
            return
        created = self.type_and_id(answer.location or "")
        if created is not None:
            self.found[entry.full_url] = created

    def type_and_id(self, location: str) -> str | None:
        relative = location.removeprefix(self.base).strip("/")
        parts = relative.split("/")
        if len(parts) < 2 or not parts[0] or not parts[1]:
            return None
        return f"{parts[0]}/{parts[1]}"

    def _target(self, entry: Entry, url: str) -> str:
        """The entry's address relative to the base, checked to be one an entry may use."""
        relative = url
        if "://" in url:
            if not url.startswith(self.base + "/"):
                raise BundleProblem(
                    400,
                    "This entry's request.url is on another server: give it relative to this "
                    "one, such as CarePlan or Task/123.",
                    expression=f"{entry.at}.request.url",
                    code="not-supported",
                )
            relative = url.removeprefix(self.base + "/")
        relative = relative.lstrip("/")
        if URN_UUID.search(relative):
            raise BundleProblem(
                404,
                "This entry's request.url names a urn:uuid that no entry before it created.",
                expression=f"{entry.at}.request.url",
                code="not-found",
            )
        match = self._resolve(relative.partition("?")[0])
        if match is None or match.url_name in NOT_IN_A_BUNDLE:
            raise BundleProblem(
                404 if match is None else 400,
                "There is nothing at this entry's request.url that a Bundle can use."
                if match is None
                else "Bulk export and Bundles cannot be run inside a Bundle: send them on "
                "their own.",
                expression=f"{entry.at}.request.url",
                code="not-found" if match is None else "not-supported",
            )
        return relative

    def _root(self) -> str:
        path = self.outer.path_info
        return path if path.endswith("/") else path + "/"

    def _resolve(self, relative: str) -> Any:
        try:
            match = resolve(self._root() + relative)
        except Resolver404:
            return None
        if match.namespace != "fhir" or match.url_name is None:
            return None
        return match

    def _conditional_references(self, entry: Entry, resource: Json) -> Json:
        """The resource with each `Type?criteria` reference replaced by the one record the
        search finds (FHIR's conditional references, for transactions)."""
        found: dict[str, str] = {}
        for reference in set(references_in(resource)):
            match = CONDITIONAL_REFERENCE.match(reference)
            if match is None:
                continue
            searched = Answer.of(
                self._call("GET", match["type"], match["query"], None, {"Accept": FHIR_JSON})
            )
            hits = [] if searched.failed else (searched.body or {}).get("entry") or []
            if searched.failed or len(hits) != 1:
                many = not searched.failed and len(hits) > 1
                raise BundleProblem(
                    412 if many else 404,
                    f"The conditional reference {match['type']}?… in this entry matches "
                    + ("more than one record" if many else "no record you can see")
                    + ": it must match exactly one. Refer to the record as "
                    f"{match['type']}/<id> instead.",
                    expression=f"{entry.at}.resource",
                    code="multiple-matches" if many else "not-found",
                )
            hit = hits[0].get("resource") or {}
            found[reference] = f"{hit.get('resourceType')}/{hit.get('id')}"
        return replaced(resource, found) if found else resource

    def _call(
        self,
        method: str,
        path: str,
        query: str,
        resource: Json | None,
        headers: dict[str, str],
    ) -> HttpResponse:
        match = self._resolve(path)
        if match is None:
            return BundleProblem(
                404,
                "There is nothing at this address that you can see.",
                expression=None,
                code="not-found",
            ).answer()
        request = self._request(method, self._root() + path, query, resource, headers)
        request.resolver_match = match
        response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        return response

    def _request(
        self,
        method: str,
        path: str,
        query: str,
        resource: Json | None,
        headers: dict[str, str],
    ) -> HttpRequest:
        """The entry as the request it stands for: the outer request's Authorization, Accept,
        Prefer and host, and the entry's own method, address, body and conditions."""
        body = json.dumps(resource).encode() if resource is not None else b""
        environ: dict[str, Any] = {
            key: value
            for key, value in self.outer.META.items()
            if isinstance(key, str)
            and isinstance(value, str)
            and key.startswith("HTTP_")
            and key not in NOT_INHERITED
        }
        for key in ("SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "REMOTE_ADDR", "SERVER_PROTOCOL"):
            if isinstance(self.outer.META.get(key), str):
                environ[key] = self.outer.META[key]
        for name, value in headers.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        environ.update(
            {
                "REQUEST_METHOD": method,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": FHIR_JSON if resource is not None else "",
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
                "wsgi.url_scheme": self.outer.scheme or "http",
            }
        )
        return WSGIRequest(environ)


# -- the audit of what was undone -----------------------------------------------------------


class _Written:
    """The audit events written while a transaction runs (so that they can be written again
    once it is undone, where they should outlive it)."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        # Receivers hear every thread's saves: only this request's count.
        self.thread = threading.get_ident()

    def __call__(self, sender: Any, instance: AuditEvent, created: bool, **kwargs: Any) -> None:
        if created and threading.get_ident() == self.thread:
            self.events.append(instance)


@contextmanager
def _watching_audit() -> Iterator[_Written]:
    written = _Written()
    post_save.connect(written, sender=AuditEvent, weak=False, dispatch_uid=id(written))
    try:
        yield written
    finally:
        post_save.disconnect(sender=AuditEvent, dispatch_uid=id(written))


def _audit_refusal(
    actor: Actor, asked: Asked, failed: Entry, answer: Answer, events: list[AuditEvent]
) -> None:
    """After a refused transaction is undone: every refused access in it again (the attempt
    happened even though nothing was kept), and one event saying the transaction was refused,
    on the record of each person it reached (or on none, when it reached no one)."""
    for event in events:
        if event.outcome == Outcome.DENIED:
            record_event(
                actor=actor,
                action=event.action,
                target_type=event.target_type,
                target_id=event.target_id,
                person=event.person if event.person_id else None,
                allowed=False,
                basis=event.basis,
                reason=event.reason,
                categories=event.categories,
                purpose=event.purpose,
            )
    reason = (
        f"A FHIR transaction of {len(asked.entries)} entries was refused at {failed.at} "
        f"({failed.words()}, answered {answer.status}); nothing in it was kept."
    )
    reached: dict[object, Any] = {}
    for event in events:
        if event.person_id and event.outcome != Outcome.DENIED:
            reached.setdefault(event.person_id, event.person)
    for person in reached.values() or [None]:
        record_event(
            actor=actor,
            action="fhir.transaction_refused",
            target_type="Bundle",
            person=person,
            reason=reason,
        )


# -- running them ---------------------------------------------------------------------------


class _Undo(Exception):
    """Raised inside the atomic block to undo what an entry or a transaction did."""


def _bundle(kind: str, elements: list[Json]) -> Json:
    bundle: Json = {"resourceType": "Bundle", "type": f"{kind}-response"}
    if elements:
        bundle["entry"] = elements
    return bundle


def run_batch(dispatcher: Dispatcher, asked: Asked, *, with_resource: bool) -> HttpResponse:
    """Each entry on its own, as if sent alone; one batch-response entry for each, in the
    order sent. An entry that refers to another entry by urn:uuid is refused: in a batch no
    entry may depend on another."""
    answers: dict[int, Answer] = {}
    full_urls = {e.full_url for e in asked.entries if e.full_url and URN_UUID.fullmatch(e.full_url)}
    for entry in in_fhir_order(asked.entries):
        leaning = next((s for s in strings_in([entry.resource, entry.url]) if s in full_urls), None)
        if leaning is not None and entry.problem is None:
            entry.problem = BundleProblem(
                400,
                f"In a batch each entry is done on its own, so this one cannot refer to "
                f"another entry ({leaning}). Send the entries as a transaction, or refer to "
                "the record as Type/id.",
                expression=f"{entry.at}.resource" if entry.resource else f"{entry.at}.request",
                code="invalid",
            )
        answers[entry.index] = _on_its_own(dispatcher, entry)
    elements = [
        answers[entry.index].response_element(with_resource=with_resource or entry.method == "GET")
        for entry in asked.entries
    ]
    return fhir_response(_bundle("batch", elements))


def _on_its_own(dispatcher: Dispatcher, entry: Entry) -> Answer:
    """One batch entry in its own database transaction, undone if the server failed part way
    (a refusal the view answered changed nothing, and its audit stands)."""
    answer: Answer | None = None
    try:
        with transaction.atomic():
            answer = dispatcher.run(entry, resolve_references=False)
            if answer.status >= 500:
                raise _Undo
    except _Undo:
        pass
    except DatabaseError:
        logger.exception("Database error in batch entry %s (%s)", entry.index, entry.words())
        answer = None
    if answer is None:
        return Answer.refusal(
            BundleProblem(
                500,
                "The server could not carry out this entry. The error has been logged.",
                expression=None,
                code="exception",
            )
        )
    return answer


def run_transaction(
    dispatcher: Dispatcher, actor: Actor, asked: Asked, *, with_resource: bool
) -> HttpResponse:
    """All the entries or none: the first one answering 400 or more undoes every entry, and the
    answer is its status with its OperationOutcome, each issue naming the entry."""
    problem = next((e for e in asked.entries if e.problem is not None), None) or _overlap(asked)
    if problem is not None:
        assert problem.problem is not None  # noqa: S101 - just checked
        answer = Answer.refusal(problem.problem)
        return _refused(problem, answer)
    answers: dict[int, Answer] = {}
    failed: tuple[Entry, Answer] | None = None
    with _watching_audit() as written:
        try:
            with transaction.atomic():
                for entry in in_fhir_order(asked.entries):
                    answer = dispatcher.run(entry, resolve_references=True)
                    if answer.failed:
                        failed = (entry, answer)
                        raise _Undo
                    dispatcher.note_created(entry, answer)
                    answers[entry.index] = answer
        except _Undo:
            pass
    if failed is not None:
        _audit_refusal(actor, asked, failed[0], failed[1], written.events)
        return _refused(*failed)
    elements = [
        answers[entry.index].response_element(with_resource=with_resource or entry.method == "GET")
        for entry in asked.entries
    ]
    return fhir_response(_bundle("transaction", elements))


def _overlap(asked: Asked) -> Entry | None:
    """The first entry changing a record an earlier entry of the transaction already changes
    (FHIR: such a transaction fails)."""
    changed: set[str] = set()
    for entry in asked.entries:
        if entry.method in ("PUT", "PATCH", "DELETE") and "?" not in entry.url:
            if entry.url in changed:
                entry.problem = BundleProblem(
                    400,
                    f"Two entries change {entry.url.split('?', 1)[0]}: a transaction may "
                    "change each record once.",
                    expression=f"{entry.at}.request.url",
                )
                return entry
            changed.add(entry.url)
    return None


def _refused(entry: Entry, answer: Answer) -> HttpResponse:
    """A failed transaction's answer: the failing entry's status and its issues, each naming
    the entry and saying that nothing was kept."""
    body = answer.body or {}
    issues = body.get("issue") if body.get("resourceType") == "OperationOutcome" else None
    if not isinstance(issues, list) or not issues:
        issues = [{"severity": "error", "code": "processing", "diagnostics": "It failed."}]
    resource_type = entry.url.split("?", 1)[0].split("/", 1)[0]
    named: list[Json] = []
    for issue in issues:
        expressions = [
            _in_entry(entry, str(expression), resource_type)
            for expression in issue.get("expression") or []
        ] or [entry.at]
        named.append(
            {
                **issue,
                "diagnostics": f"The entry at {entry.at} ({entry.words()}) was refused, so "
                f"nothing in this transaction was kept: {issue.get('diagnostics', '')}".strip(),
                "expression": expressions,
            }
        )
    return fhir_response({"resourceType": "OperationOutcome", "issue": named}, status=answer.status)


def _in_entry(entry: Entry, expression: str, resource_type: str) -> str:
    """An entry's issue's expression, as a place in the Bundle."""
    if expression in HEADER_ELEMENT:
        return f"{entry.at}.request.{HEADER_ELEMENT[expression]}"
    if expression.startswith("Bundle.entry["):
        return expression
    head, dot, rest = expression.partition(".")
    if head == resource_type or (head[:1].isupper() and head.isalpha()):
        return f"{entry.at}.resource" + (f".{rest}" if dot else "")
    return f"{entry.at}.request.url"  # a search parameter


def prefers_representation(request: HttpRequest) -> bool:
    preferences = request.headers.get("Prefer", "").replace(";", ",").split(",")
    return any(p.strip().replace(" ", "").lower() == "return=representation" for p in preferences)
