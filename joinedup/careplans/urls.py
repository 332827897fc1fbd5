"""Care plan pages. `person_urlpatterns` sit under people/<uuid:person_id>/care-plan/ in the
"people" namespace (people/urls.py includes them); `urlpatterns` sit under /care-plans/ in the
"careplans" namespace: my actions and the reviews due. Every view declares its access and
audit with @route."""

from __future__ import annotations

from django.urls import URLPattern, path

from joinedup.careplans import views

person_urlpatterns: list[URLPattern] = [
    path("", views.plan, name="care-plan"),
    path("start/", views.start, name="care-plan-start"),
    path("history/", views.history, name="care-plan-history"),
    path("sections/", views.change_sections, name="care-plan-sections"),
    path("needs/add/", views.add_need_page, name="care-plan-add-need"),
    path("goals/add/", views.add_goal, name="care-plan-add-goal"),
    path("actions/add/", views.add_action_page, name="care-plan-add-action"),
    path("actions/<uuid:action_id>/", views.change_action, name="care-plan-action"),
    path("choices/add/", views.add_choice, name="care-plan-add-choice"),
    path("decisions/add/", views.add_decision, name="care-plan-add-decision"),
    path("agreement/", views.record_agreement, name="care-plan-agreement"),
    path("reviews/add/", views.add_review, name="care-plan-add-review"),
    path("print/", views.print_page, name="care-plan-print"),
    path("print.pdf", views.print_pdf, name="care-plan-pdf"),
]

app_name = "careplans"
urlpatterns: list[URLPattern] = [
    path("my-actions/", views.my_actions, name="my-actions"),
    path("reviews-due/", views.reviews_due, name="reviews-due"),
]
