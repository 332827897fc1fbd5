"""The API test fixtures (a bearer token for a persona) for the handover API tests."""

from joinedup.api.tests.conftest import token_for

__all__ = ["token_for"]
