"""``manage.py seed_demo``: load the demo schools, families and accounts, print the logins."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.demo import seed_demo
from identity.demo import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_SERVICE_URL,
    demo_service_register,
)


class Command(BaseCommand):
    help = "Load deterministic demo data (idempotent) and print the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even when DEBUG is off (demo passwords are public: never in production).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "DEBUG is off: refusing to create accounts with public demo passwords. "
                "Pass --allow-production for a throwaway environment."
            )
        accounts = seed_demo()
        service_url = os.environ.get("DEMO_SERVICE_URL", DEMO_SERVICE_URL).rstrip("/")
        demo_service_register(service_url)
        width = max(len(account.identifier) for account in accounts)
        self.stdout.write("Demo accounts (identifier / password):")
        for account in accounts:
            self.stdout.write(
                f"  {account.identifier:<{width}}  {account.password:<24}  {account.description}"
            )
        self.stdout.write(
            "Staff second factor (asked for when ADMIN_REQUIRES_OTP is on, which DEBUG turns "
            "off): open the invitation link, type the password above, then scan the QR code "
            "with an authenticator app (single-use links, the same on every run until used):"
        )
        for account in accounts:
            if account.invitation:
                self.stdout.write(f"  {account.identifier:<{width}}  {account.invitation}")
            elif account.is_staff:
                self.stdout.write(
                    f"  {account.identifier:<{width}}  already enrolled "
                    "(a new invitation from the console resets it)"
                )
        self.stdout.write(
            "Not yet registered (for /inscription/): Nadia Benali, mobile 0692 12 34 56, "
            "child Yanis born 23/11/2011; Sophie Dupont, 06 98 76 54 32, children Léa born "
            "14/03/2012 (collège) and Hugo born 02/09/2009 (lycée)."
        )
        self.stdout.write(
            f"Demo OpenID Connect service: client_id {DEMO_CLIENT_ID}, secret {DEMO_CLIENT_SECRET}"
            f" (python -m demo_service, {service_url}/)."
        )
