"""`manage.py rotate_credential_keys`: re-encrypt stored credentials under the first key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dashboard.connections.crypto import KeysInvalid
from dashboard.connections.services import connections_rotate_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every connection's secrets and login tokens under the first key of "
        "CREDENTIAL_KEYS. Afterwards the other keys can be removed. Exits with status 2 when "
        "some connections' secrets cannot be decrypted with any configured key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rotation = connections_rotate_keys()
        except KeysInvalid as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(f"Rotated the credentials of {rotation.rotated} connection(s).")
        if rotation.unreadable:
            raise CommandError(
                f"{len(rotation.unreadable)} connection(s) have credentials that no configured "
                f"key can decrypt; re-enter them: {', '.join(rotation.unreadable)}",
                returncode=2,
            )
