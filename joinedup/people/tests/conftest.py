"""The `sign_in` fixture now lives in joinedup/conftest.py, for every app's page tests.
SignIn stays importable from here for the tests that already use it."""

from __future__ import annotations

from joinedup.conftest import SignIn

__all__ = ["SignIn"]
