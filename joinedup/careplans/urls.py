"""(being written)"""

from __future__ import annotations

from django.urls import URLPattern

# Under people/<uuid:person_id>/care-plan/ in the "people" namespace.
person_urlpatterns: list[URLPattern] = []
# Under /care-plans/ in the "careplans" namespace: my actions, reviews due.
app_name = "careplans"
urlpatterns: list[URLPattern] = []
