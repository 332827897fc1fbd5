"""Adding an entry to a person's record. Routes live under people/<person_id>/entries/
(records/urls.py, included by people/urls.py). The person is opened through people.selectors
and the entry written by records.services.add_entry, which checks the access policy and
audits it."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.errors import DomainRuleBroken
from joinedup.core.routes import Access, Audit, route
from joinedup.people.models import Person
from joinedup.people.selectors import get_person_for
from joinedup.people.views import add_rule_error, answers_person_errors, not_allowed, refusal_for
from joinedup.records.forms import AddEntryForm
from joinedup.records.services import add_entry
from joinedup.sharing.policy import Action


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def add(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    person = get_person_for(actor, person_id)
    refusal = refusal_for(actor, Action.ADD_ENTRY, person)
    if refusal:
        return not_allowed(request, refusal, person)
    form = AddEntryForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            entry = add_entry(actor=actor, person=person, **form.service_arguments())
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            sealed = " It is sealed." if entry.sealed else ""
            messages.success(request, f"“{entry.title}” has been added to the record.{sealed}")
            return redirect(f"{_summary_url(person)}#entries")
    return render_page(
        request,
        "records/add.jinja",
        {"person": person, "form": form},
        page_title=f"Add an entry: {person.full_name}",
    )


def _summary_url(person: Person) -> str:
    return reverse("people:summary", kwargs={"person_id": person.pk})
