"""API test helpers: a bearer token for a persona, and a client that sends it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from joinedup.accounts.services import create_api_token
from joinedup.conftest import Region

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

API = "/api/v1"


@pytest.fixture
def token_for(region: Region) -> Callable[[str], str]:
    """A fresh bearer token acting as the persona in their usual role profile."""

    def make(key: str) -> str:
        return create_api_token(
            user=region.user(key), role_profile=region.role_profile(key), name=f"tests: {key}"
        ).token

    return make


@dataclass
class ApiClient:
    client: Client
    token: str | None

    def get(self, path: str, params: dict[str, Any] | None = None) -> TestResponse:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.client.get(API + path, params or {}, headers=headers)


@pytest.fixture
def api_as(client: Client, token_for: Callable[[str], str]) -> Callable[[str], ApiClient]:
    """`api_as("nurse").get("/people", {...})`: the API as a persona."""
    return lambda key: ApiClient(client, token_for(key))
