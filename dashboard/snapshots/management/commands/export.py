"""`manage.py export`: a table view's records as CSV or JSON Lines, for scripts.

The same options as the table's URL: sort, filters, search and columns; from the table's
snapshot while one serves it, else live from the vendor within the rate budget. The export
runs with a user's access (`--user`) and is written to the audit trail as theirs.
"""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404, QueryDict

from dashboard.audit.models import Outcome
from dashboard.audit.services import audit_record
from dashboard.browse.query import COLUMNS_VAR, FILTER_PREFIX, SEARCH_VAR, SORT_VAR
from dashboard.browse.selectors import SourceUnavailable, source_for
from dashboard.connections.selectors import connection_for
from dashboard.connections.services import describe_error
from dashboard.connectors.errors import VendorError
from dashboard.core.cli import add_query_arguments
from dashboard.snapshots.exports import FORMATS, ExportRefused, plan_export, stream
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
            export = plan_export(source=source, params=params)
        except ExportRefused as exc:
            raise CommandError(str(exc), returncode=2) from None
        except VendorError as exc:
            raise CommandError(describe_error(exc), returncode=2) from None
        fmt = options["format"]
        view = f"manage.py export {options['resource']}?{params.urlencode()}"

        def finished(count: int, complete: bool) -> None:
            audit_record(
                actor=user,
                team=membership.team,
                action="records.export",
                target=view[:300],
                outcome=Outcome.OK if complete else Outcome.FAILED,
                connection=connection,
                resource=source.resource.name,
                details={
                    "format": fmt,
                    "origin": export.origin,
                    "records": count,
                    "columns": export.columns,
                    "complete": complete,
                },
            )
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
