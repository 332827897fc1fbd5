"""Shared test set-up: one small demo region per test database, and the personas in it.

Tests speak as personas (STYLE.md habit 8): `region.actor("nurse")` is Nadia Okafor acting as a
community nurse; `region.margaret` is a featured person whose care team spans five
organisations; `region.actor("outsider")` works in a care home with no part in her care.
Page tests start from `sign_in("nurse")`: the test client past both sign-in steps."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from joinedup.accounts.models import RoleProfile, User
from joinedup.accounts.session import ACTING_ROLE, LAST_SEEN_AT, SECOND_FACTOR_DONE, SIGNED_IN_AT
from joinedup.demo.featured import FEATURED
from joinedup.demo.personas import PERSONAS_BY_KEY
from joinedup.demo.region import build_region, demo_password, region_exists
from joinedup.people.models import Person
from joinedup.sharing.actors import Actor

REGION_PEOPLE = 60
REGION_SEED = 7


def _ensure_region() -> None:
    if not region_exists():
        build_region(people=REGION_PEOPLE, seed=REGION_SEED)


# The test database's blocker, once the database exists and holds the region.
_READY: list[Any] = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        _ensure_region()
    _READY.append(django_db_blocker)
    yield
    _READY.clear()


def _flushes(item: pytest.Item) -> bool:
    """Whether the test ends by flushing the database: live-server and transactional tests."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A live-server or transactional test flushes the database as it ends; build the region
    again (committed) straight after, so whatever test runs next finds it. Done here, not in a
    fixture of the next test: by the time such a fixture ran, pytest-django may already have
    opened that test's transaction, and a region built inside it would not last."""
    yield
    if nextitem is not None and _READY and _flushes(item):
        with _READY[0].unblock():
            _ensure_region()


@dataclass
class Region:
    """The demo region as the tests see it."""

    def user(self, key: str) -> User:
        return User.objects.get(username=PERSONAS_BY_KEY[key].username)

    def role_profile(self, key: str) -> RoleProfile:
        profile = (
            self.user(key)
            .active_role_profiles()
            .filter(organisation__name__isnull=False)
            .exclude(organisation__org_type="nhs_trust", job_role="social_worker")
            .first()
        )
        assert profile is not None, key
        return profile

    def actor(self, key: str, *, channel: str = "web") -> Actor:
        return Actor.staff(self.user(key), self.role_profile(key), channel=channel)

    def password(self, key: str) -> str:
        return demo_password(PERSONAS_BY_KEY[key], REGION_SEED)

    def featured(self, index: int) -> Person:
        return Person.objects.get(nhs_number=FEATURED[index]["person"]["nhs_number"])

    @property
    def margaret(self) -> Person:
        return self.featured(0)

    @property
    def arthur(self) -> Person:
        return self.featured(1)

    @property
    def fatima(self) -> Person:
        return self.featured(2)


@pytest.fixture
def region(db: Any) -> Region:
    return Region()


SignIn = Callable[[str], Client]


@pytest.fixture
def sign_in(client: Client, region: Region) -> SignIn:
    """sign_in("nurse") returns the test client signed in as that persona, past both sign-in
    steps and acting in their usual role profile. Signing in itself is tested by the accounts
    tests; page tests start after it."""

    def signed_in_as(key: str) -> Client:
        client.force_login(region.user(key))
        session = client.session
        now = time.time()
        session[SECOND_FACTOR_DONE] = True
        session[SIGNED_IN_AT] = now
        session[LAST_SEEN_AT] = now
        session[ACTING_ROLE] = str(region.role_profile(key).pk)
        session.save()
        return client

    return signed_in_as
