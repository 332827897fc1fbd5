"""FHIR test helpers: a persona's bearer token, a client that sends it, and checks that what
the server answers is valid FHIR (by constructing it with the fhir.resources library)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from fhir.resources.R4B.operationoutcome import OperationOutcome

from joinedup.accounts.services import create_api_token
from joinedup.conftest import Region

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

# The published HL7 R4 and UK Core examples beside the repository (../shared/fhir-examples), or
# where FHIR_EXAMPLES_DIR says. Tests that need them skip, saying where they looked, without.
EXAMPLES = Path(
    os.environ.get(
        "FHIR_EXAMPLES_DIR",
        Path(__file__).resolve().parents[3].parent / "shared" / "fhir-examples",
    )
)
FHIR = "/fhir/R4"
FHIR_JSON = "application/fhir+json"
Json = dict[str, Any]


def token_of(region: Region, key: str) -> str:
    return create_api_token(
        user=region.user(key), role_profile=region.role_profile(key), name=f"fhir tests: {key}"
    ).token


@dataclass
class FhirClient:
    client: Client
    token: str | None

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> TestResponse:
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.client.get(FHIR + path, params or {}, headers=headers)


@pytest.fixture
def fhir_as(client: Client, region: Region) -> Callable[[str | None], FhirClient]:
    """`fhir_as("nurse").get("/Patient", {...})`; `fhir_as(None)` sends no token."""
    return lambda key: FhirClient(client, token_of(region, key) if key else None)


def outcome(response: Any, status: int) -> Json:
    """The OperationOutcome of an error answer, checked to be valid FHIR with an issue that
    has a severity, a code and diagnostics."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == FHIR_JSON
    body: Json = json.loads(response.content)
    OperationOutcome.model_validate(body)
    [issue] = body["issue"]
    assert issue["severity"] == "error"
    assert issue["code"]
    assert issue["diagnostics"]
    return body
