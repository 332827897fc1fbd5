"""Sign-in, second factor, choosing a role and signing out. The sign-in steps live under
/sign-in so the middleware lets them through before a full sign-in."""

from __future__ import annotations

from django.urls import URLPattern, path

from joinedup.accounts import views

app_name = "accounts"

urlpatterns: list[URLPattern] = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.second_factor, name="second-factor"),
    path(
        "sign-in/set-up-authenticator/",
        views.set_up_authenticator,
        name="set-up-authenticator",
    ),
    path("role/", views.choose_role, name="choose-role"),
    path("sign-out/", views.sign_out, name="sign-out"),
]
