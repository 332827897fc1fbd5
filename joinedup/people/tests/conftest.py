"""A signed-in browser for the page tests: a persona past both sign-in steps, acting in their
role profile. Signing in itself is tested by the accounts tests; these tests start after it."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.test import Client

from joinedup.accounts.session import ACTING_ROLE, LAST_SEEN_AT, SECOND_FACTOR_DONE, SIGNED_IN_AT
from joinedup.conftest import Region

SignIn = Callable[[str], Client]


@pytest.fixture
def sign_in(client: Client, region: Region) -> SignIn:
    """sign_in("nurse") returns the test client signed in as that persona."""

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
