"""/api/v1/: the ninja API, then a catch-all so an unknown address under it answers a 404
problem rather than Django's HTML page."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from joinedup.api.api import api
from joinedup.api.problems import no_such_endpoint

urlpatterns: list[URLPattern | URLResolver] = [
    path("", api.urls),
    re_path(r"^(?P<path>.*)$", no_such_endpoint),
]
