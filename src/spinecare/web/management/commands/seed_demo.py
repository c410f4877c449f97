from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from spinecare.web import demo


class Command(BaseCommand):
    help = (
        "Create the roles and the demo logins (password 'spinecare-demo'). Idempotent: existing "
        "demo users are left as they are. Refuses to run in production unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with SPINECARE_ENV=production (creates well-known passwords!).",
        )

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if settings.SPINECARE_ENV == "production" and not force:
            raise CommandError(
                "Refusing to create demo logins with published passwords in production "
                "(SPINECARE_ENV=production). Use --force if you really mean it."
            )
        with transaction.atomic():
            for seeder in demo.SEEDERS:
                for line in seeder():
                    self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
