"""`manage.py provision FILE.toml [--dry-run]`: teams and connections from a file."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.connections.provisioning import ProvisioningError, provision_file


class Command(BaseCommand):
    help = (
        "Create or update teams, their connections and memberships from a TOML file "
        "(docs/provisioning.md). Secrets are ${ENV_VAR} references. Errors exit with status 2 "
        "and change nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the provisioning file")
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would change; change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        try:
            changes = provision_file(options["file"], environ=os.environ, dry_run=dry_run)
        except ProvisioningError as exc:
            raise CommandError(f"invalid provisioning file:\n{exc}", returncode=2) from None
        prefix = "would " if dry_run else ""
        for change in changes:
            self.stdout.write(prefix + str(change) if change.action != "unchanged" else str(change))
        counts = Counter(change.action for change in changes)
        summary = (
            f"{counts['create']} to create, {counts['update']} to update, "
            f"{counts['unchanged']} unchanged"
        )
        if dry_run:
            self.stdout.write(f"Dry run: {summary}. Nothing was changed.")
        elif counts["create"] or counts["update"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {counts['create']}, updated {counts['update']}, "
                    f"{counts['unchanged']} unchanged."
                )
            )
        else:
            self.stdout.write(f"Nothing to change: {counts['unchanged']} unchanged.")
