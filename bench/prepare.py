"""Run inside Django against one benchmark database (`python -m bench.prepare OUT.json`):
choose who the requests are for, issue their credentials, make the referrals the write
measure changes, and count the SQL queries of one request of each measure.

Requests are made as Nadia Okafor (the nurse persona, who exists in every generated region)
for people in her caseload: the care-team member each request is for. Her API token comes
from `joinedup create-api-token`; her web sessions are made the way the page tests make them
(past the password and the second factor), since the load generator cannot type a TOTP code."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from joinedup.accounts.models import RoleProfile, User  # noqa: E402
from joinedup.accounts.session import (  # noqa: E402
    ACTING_ROLE,
    LAST_SEEN_AT,
    SECOND_FACTOR_DONE,
    SIGNED_IN_AT,
)
from joinedup.careteams.selectors import memberships_of  # noqa: E402
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound  # noqa: E402
from joinedup.demo.personas import PERSONAS_BY_KEY  # noqa: E402
from joinedup.directory.models import Service  # noqa: E402
from joinedup.referrals.services import (  # noqa: E402
    ItemChoice,
    draft_referral,
    respond_to_referral,
    send_referral,
)
from joinedup.sharing.actors import Actor  # noqa: E402

PEOPLE = 200  # people in the practitioner's caseload the reads rotate through
SESSIONS = 8  # web sessions the page reads rotate through
REFERRALS = 24  # referrals the write measure moves between "in progress" and "on hold"
REFERRAL_REASON = "Benchmark referral: wound care at home after a fall."
HOLD_REASON = "Benchmark: away for a week; we start again when they are back."


def role_profile(key: str) -> tuple[User, RoleProfile]:
    """The persona's usual role profile (the one the tests act in)."""
    user = User.objects.get(username=PERSONAS_BY_KEY[key].username)
    profile = (
        user.active_role_profiles()
        .filter(organisation__name__isnull=False)
        .exclude(organisation__org_type="nhs_trust", job_role="social_worker")
        .first()
    )
    if profile is None:
        raise SystemExit(f"The {key} persona has no role profile in this region.")
    return user, profile


def api_token(user: User, profile: RoleProfile) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        username=user.username,
        role=str(profile.pk),
        name="benchmark",
        days=1,
        stdout=out,
        stderr=err,
    )
    return out.getvalue().strip()


def web_session(user: User, profile: RoleProfile) -> str:
    """A session past both sign-in steps, acting in the profile; its key."""
    client = Client()
    client.force_login(user)
    session = client.session
    now = time.time()
    session[SECOND_FACTOR_DONE] = True
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now
    session[ACTING_ROLE] = str(profile.pk)
    session.save()
    return str(session.session_key)


def fresh_referrals(nurse: Actor, count: int) -> list[str]:
    """`count` new referrals to Nadia's district nursing service from Sam's caseload, accepted
    and in progress, made through the referral services like any other. New on every run, so
    that each starts with the same short history: a referral's answer lists its history, and
    the write measure must not get slower, or its query count differ, because earlier runs
    lengthened it."""
    assert nurse.role_profile is not None  # noqa: S101
    sam_user, sam_profile = role_profile("social_worker")
    sam = Actor.staff(sam_user, sam_profile, channel="api")
    service = Service.objects.filter(
        organisation=nurse.role_profile.organisation, name="District nursing"
    ).first()
    if service is None:
        raise SystemExit("There is no district nursing service in this region.")
    made: list[str] = []
    for membership in memberships_of(sam)[: count * 3]:
        if len(made) >= count:
            break
        try:
            referral = draft_referral(
                actor=sam,
                person=membership.person,
                service=service,
                reason=REFERRAL_REASON,
                items=[ItemChoice("communication")],
            )
            send_referral(actor=sam, referral=referral)
            respond_to_referral(actor=nurse, referral=referral, status="accepted")
            respond_to_referral(actor=nurse, referral=referral, status="in_progress")
        except (DomainRuleBroken, NotAllowed, NotFound) as error:
            print(f"  skipped one referral: {error}", file=sys.stderr)
            continue
        made.append(str(referral.pk))
    return made


def count_queries(client: Client, method: str, path: str, **extra: Any) -> tuple[int, int]:
    """Queries of the second of two identical requests (the first warms per-minute updates
    such as a token's last use), and its status."""
    for attempt in range(2):
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = client.get(path, **extra)
            else:
                response = client.post(path, content_type="application/json", **extra)
        if attempt == 1:
            return len(captured.captured_queries), response.status_code
    raise AssertionError("unreachable")


def main(out: Path) -> None:
    user, profile = role_profile("nurse")
    nurse = Actor.staff(user, profile, channel="api")
    people = list(memberships_of(nurse).select_related("person")[:PEOPLE])
    if not people:
        raise SystemExit("Nadia has no one in her caseload in this region.")
    token = api_token(user, profile)
    sessions = [web_session(user, profile) for _ in range(SESSIONS)]
    referrals = fresh_referrals(nurse, REFERRALS + 1)
    counted = referrals.pop() if referrals else None
    first = next((m.person for m in people if m.person.nhs_number), people[0].person)
    persons = [
        {
            "id": str(m.person.pk),
            "nhs_number": m.person.nhs_number,
            "family_name": m.person.family_name,
            "date_of_birth": m.person.date_of_birth.isoformat(),
        }
        for m in people
    ]
    api = Client(headers={"Authorization": f"Bearer {token}"})
    web = Client()
    web.cookies[settings.SESSION_COOKIE_NAME] = sessions[0]
    queries: dict[str, dict[str, int]] = {}

    def record(name: str, client: Client, method: str, path: str, **extra: Any) -> None:
        count, status = count_queries(client, method, path, **extra)
        queries[name] = {"queries": count, "status": status}

    record("ceiling", Client(), "GET", f"/api/bench/row/{first.pk}")
    record("api_summary", api, "GET", f"/api/v1/people/{first.pk}")
    record("fhir_patient", api, "GET", f"/fhir/R4/Patient/{first.pk}")
    record("record_page", web, "GET", f"/people/{first.pk}/")
    record("caseload", web, "GET", "/")
    record("search_nhs", api, "GET", f"/api/v1/people?nhs_number={first.nhs_number}")
    record(
        "search_name_dob",
        api,
        "GET",
        f"/api/v1/people?family_name={first.family_name}&date_of_birth={first.date_of_birth}",
    )
    if counted is not None:
        # The same change at every scale: a new referral, from "in progress" to "on hold".
        path = f"/api/v1/referrals/{counted}"
        etag = api.get(path).headers["ETag"]
        with CaptureQueriesContext(connection) as captured:
            response = api.post(
                f"{path}/status",
                data=json.dumps({"status": "on_hold", "reason": HOLD_REASON}),
                content_type="application/json",
                HTTP_IF_MATCH=etag,
            )
        queries["referral_change"] = {
            "queries": len(captured.captured_queries),
            "status": response.status_code,
        }
    out.write_text(
        json.dumps(
            {
                "practitioner": f"{user.get_full_name()} ({profile})",
                "caseload_people": memberships_of(nurse).count(),
                "token": token,
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "sessions": sessions,
                "people": persons,
                "referrals": referrals,
                "hold_reason": HOLD_REASON,
                "queries": queries,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
