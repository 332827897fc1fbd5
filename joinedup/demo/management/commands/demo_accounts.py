"""`joinedup demo-accounts [--json]`: the demo sign-ins. Refuses to run with production settings."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.accounts.models import User
from joinedup.demo.personas import PERSONAS
from joinedup.demo.region import demo_password, finished_region


class Command(BaseCommand):
    help = "List the demo sign-ins: username, password, TOTP secret, organisation, role, persona."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON for scripts.")
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="The seed the region was built with (default: the one recorded when it was built).",
        )
        parser.add_argument("--url", default="", help="Where the demo is served, for the printout.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "JOINEDUP_DEMO_ALLOWED", False):
            raise CommandError("demo-accounts refuses to run with production settings.")
        users = {
            u.username: u for u in User.objects.filter(username__in=[p.username for p in PERSONAS])
        }
        region = finished_region()
        if not users or region is None:
            raise CommandError("No finished demo region here. Run `joinedup seed-region` first.")
        seed = region.seed if options["seed"] is None else options["seed"]
        accounts = []
        for persona in PERSONAS:
            user = users.get(persona.username)
            if user is None:
                continue
            profile = user.active_role_profiles().first()
            accounts.append(
                {
                    "username": persona.username,
                    "password": demo_password(persona, seed),
                    "totp_secret": user.totp_secret,
                    "organisation": profile.organisation.name if profile else "",
                    "role": profile.get_job_role_display() if profile else "",
                    "persona": persona.summary,
                }
            )
        if options["json"]:
            self.stdout.write(json.dumps(accounts, indent=2))
            return
        where = f" at {options['url']}" if options["url"] else ""
        self.stdout.write(
            f"Demo sign-ins{where}. Each asks for a password, then a 6-digit code from"
        )
        self.stdout.write("an authenticator app set up with the secret (or: .venv/bin/python -c")
        self.stdout.write("\"import pyotp; print(pyotp.TOTP('SECRET').now())\").\n")
        for account in accounts:
            self.stdout.write(
                f"  {account['username']:<14} password {account['password']:<28} "
                f"secret {account['totp_secret']}\n      {account['role']}, {account['organisation']}"
            )
