"""`manage.py export`: a table view's records as CSV or JSON Lines, for scripts.

The same options as the table's URL: sort, filters, search and columns; from the table's
snapshot while one serves it, else live from the vendor within the rate budget. The export
runs with a user's access (`--user`) and is written to the audit trail as theirs.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404, QueryDict

from dashboard.browse.query import COLUMNS_VAR, FILTER_PREFIX, SEARCH_VAR, SORT_VAR
from dashboard.browse.selectors import SourceUnavailable, column_preference_for, source_for
from dashboard.connections.selectors import connection_for
from dashboard.connections.services import describe_error
from dashboard.connectors.errors import VendorError
from dashboard.core.cli import add_query_arguments
from dashboard.snapshots.exports import (
    FORMATS,
    ExportRefused,
    audit_export,
    plan_export,
    stream,
)
from dashboard.teams.permissions import membership_for


class Command(BaseCommand):
    help = (
        "Export a resource's records (all pages of a table view) as CSV or JSON Lines to "
        "stdout or a file. Errors exit with status 2."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="e-mail of the user exporting")
        parser.add_argument("--team", required=True, help="team slug")
        parser.add_argument("--connection", required=True, help="connection slug")
        parser.add_argument("--resource", required=True, help="resource name")
        parser.add_argument("--format", choices=sorted(FORMATS), default="csv")
        add_query_arguments(
            parser,
            filter_help="a filter as in the table (text, =exact, low..high); repeatable",
            search_help="text to search for in every field",
        )
        parser.add_argument("--columns", help="comma-separated columns (default: the table's)")
        parser.add_argument("--output", help="file to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(email=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['user']}.", returncode=2)
        try:
            membership = membership_for(user=user, team_slug=options["team"])
            connection = connection_for(user=user, team=membership.team, slug=options["connection"])
            source = source_for(connection=connection, resource=options["resource"])
        except Http404 as exc:
            raise CommandError(str(exc), returncode=2) from None
        except SourceUnavailable as exc:
            raise CommandError(exc.detail, returncode=2) from None
        params = self._params(options)
        try:
            export = plan_export(
                source=source,
                params=params,
                saved_columns=column_preference_for(
                    user=user, connection=connection, resource=source.resource.name
                ),
                max_wait=settings.SNAPSHOT_RATE_LIMIT_MAX_WAIT,
            )
        except ExportRefused as exc:
            raise CommandError(str(exc), returncode=2) from None
        except VendorError as exc:
            raise CommandError(describe_error(exc), returncode=2) from None
        fmt = options["format"]
        view = f"manage.py export {options['resource']}?{params.urlencode()}"

        audit = audit_export(
            export, fmt=fmt, actor=user, team=membership.team, source=source, target=view
        )

        def finished(count: int, complete: bool) -> None:
            audit(count, complete)
            self.stderr.write(f"records={count} origin={export.origin} complete={complete}")

        output = (
            open(options["output"], "w", encoding="utf-8", newline="")  # noqa: SIM115
            if options["output"]
            else sys.stdout
        )
        try:
            for piece in stream(export, fmt, finished=finished):
                output.write(piece)
        except VendorError as exc:
            raise CommandError(describe_error(exc), returncode=2) from None
        finally:
            if output is not sys.stdout:
                output.close()

    @staticmethod
    def _params(options: dict[str, Any]) -> QueryDict:
        params = QueryDict(mutable=True)
        if options["sort"]:
            params[SORT_VAR] = options["sort"]
        if options["search"]:
            params[SEARCH_VAR] = options["search"]
        for name, value in options["filter"]:
            params[FILTER_PREFIX + name] = value
        if options["columns"]:
            params[COLUMNS_VAR] = options["columns"]
        return params
