"""`joinedup create-api-token --username U [--role ROLE_PROFILE_ID] [--name NAME] [--days N]`
`joinedup create-api-token --client NAME --organisation ODS_CODE --scope read [--scope …] [--days N]`

Issues a bearer token for /api/v1/ and /fhir/R4/, acting either as a user in one role profile,
or as a partner organisation's registered system (registering the client, or changing its
scopes, on the way). Prints the token once on standard output (and only it, so
`TOKEN=$(joinedup create-api-token …)` works); what it is for goes to standard error. Only the
token's digest is stored."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from joinedup.accounts.models import ClientScope, RoleProfile, User
from joinedup.accounts.services import create_api_token, create_client_token, register_api_client
from joinedup.directory.models import Organisation

MAX_DAYS = 365


class Command(BaseCommand):
    help = (
        "Create an API token for a user acting in one of their role profiles, or for a partner "
        "organisation's system; print it once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--username", help="The member of staff the token acts as.")
        who.add_argument("--client", help="The name of a partner organisation's system.")
        parser.add_argument(
            "--organisation", help="With --client: the ODS code of the organisation it acts for."
        )
        parser.add_argument(
            "--scope",
            action="append",
            choices=ClientScope.values,
            help="With --client: what it may do (repeat for more): "
            + "; ".join(f"{scope.value}: {scope.label.lower()}" for scope in ClientScope),
        )
        parser.add_argument(
            "--role",
            help="The role profile's id. Needed when the user has more than one.",
        )
        parser.add_argument("--name", help="What the token is for, e.g. 'care home system'.")
        parser.add_argument(
            "--days", type=int, default=90, help=f"Days until it expires (1-{MAX_DAYS}; 90)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days: int = options["days"]
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}.")
        if options["client"]:
            self._client_token(options, days)
            return
        if options["organisation"] or options["scope"]:
            raise CommandError("--organisation and --scope are for --client tokens only.")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user called {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"{user.username} is inactive: no token issued.")
        profile = self._role_profile(user, options["role"])
        name = options["name"] or f"{user.username} as {profile}"
        new = create_api_token(user=user, role_profile=profile, name=name[:100], lifetime_days=days)
        expires = timezone.localtime(new.record.expires_at) if new.record.expires_at else None
        self.stderr.write(
            f"Token {new.record.name!r} for {user.username} acting as {profile}, expires "
            f"{expires:%Y-%m-%d %H:%M %Z}. It is shown once; keep it secret."
        )
        self.stdout.write(new.token)

    def _client_token(self, options: dict[str, Any], days: int) -> None:
        name = options["client"].strip()
        if not name or len(name) > 100:
            raise CommandError("Give the client a name of 1 to 100 characters.")
        code = (options["organisation"] or "").strip().upper()
        if not code:
            raise CommandError("Give --organisation with the ODS code the client acts for.")
        organisation = Organisation.objects.filter(ods_code__iexact=code).first()
        if organisation is None:
            raise CommandError(f"There is no organisation with the ODS code {code}.")
        if not options["scope"]:
            raise CommandError(f"Give at least one --scope ({', '.join(ClientScope.values)}).")
        try:
            client = register_api_client(
                name=name, organisation=organisation, scopes=options["scope"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        new = create_client_token(client=client, lifetime_days=days)
        expires = timezone.localtime(new.record.expires_at) if new.record.expires_at else None
        self.stderr.write(
            f"Token for the system {client.name!r} acting for {organisation.name} "
            f"({organisation.ods_code}) with scopes {', '.join(client.scopes)}, expires "
            f"{expires:%Y-%m-%d %H:%M %Z}. It is shown once; keep it secret."
        )
        self.stdout.write(new.token)

    def _role_profile(self, user: User, role: str | None) -> RoleProfile:
        profiles = list(user.active_role_profiles())
        if not profiles:
            raise CommandError(f"{user.username} has no current role profile to act in.")
        if role is None and len(profiles) == 1:
            return profiles[0]
        chosen = next((p for p in profiles if role and str(p.pk) == _uuid_text(role)), None)
        if chosen is not None:
            return chosen
        for profile in profiles:
            self.stderr.write(f"  --role {profile.pk}  {profile}")
        if role is None:
            raise CommandError(
                f"{user.username} has {len(profiles)} role profiles: choose one with --role."
            )
        raise CommandError(f"{role!r} is not one of {user.username}'s current role profiles.")


def _uuid_text(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value
