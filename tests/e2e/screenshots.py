"""Screenshots of a table page and of a rate-limited table for the docs (`make screenshots`).

Starts the five vendor simulators, a throwaway SQLite database and the dashboard on a free
loopback port, then saves `table.png` and `rate-limited.png` with Debian's Chromium:

    .venv/bin/python -m tests.e2e.screenshots [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
RECORDS = 240
TABLE_QUERY = "?f.is_enabled=true&sort=-price"
RETRY_AFTER = 75


def _configure(database: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()


def _serve() -> tuple[Any, str]:
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            """No access log on the console."""

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _seed(handles: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    from django.contrib.auth import get_user_model

    from dashboard.teams.models import Membership, Role, Team
    from tests.browse.conftest import connect

    team = Team.objects.create(name="Operations", slug="ops")
    user = get_user_model().objects.create_user(
        email="maya@example.com", password="screenshots-only", full_name="Maya Haddad"
    )
    Membership.objects.create(team=team, user=user, role=Role.ADMIN)
    connections = {vendor: connect(team, vendor, handle) for vendor, handle in handles.items()}
    return user, connections


def _shoot(base_url: str, user: Any, connections: dict[str, Any], out: Path, handles: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.browse.conftest import table_url
    from tests.e2e.support import launch, signed_in

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = signed_in(browser, user, base_url).new_page()
        page.goto(base_url + table_url(connections["linkit"], "products", TABLE_QUERY))
        expect(page.locator("#table tbody tr").first).to_be_visible()
        page.screenshot(path=out / "table.png", full_page=True)

        page.goto(base_url + table_url(connections["parallax"], "projects", "?size=10"))
        expect(page.locator("#table tbody tr").first).to_be_visible()
        handles["parallax"].set_faults(storm_429=1, storm_retry_after=RETRY_AFTER)
        page.locator("#refresh").click()
        expect(page.locator("[data-retry-at]").first).to_be_visible()
        page.wait_for_timeout(1200)  # one countdown tick
        page.screenshot(path=out / "rate-limited.png", full_page=True)
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default {OUT})")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        _configure(Path(folder) / "screenshots.sqlite3")
        from django.core.management import call_command

        from dashboard.simulators import VENDORS, start_simulator

        call_command("migrate", verbosity=0)
        handles = {vendor: start_simulator(vendor, records=RECORDS) for vendor in VENDORS}
        server, base_url = _serve()
        try:
            user, connections = _seed(handles)
            _shoot(base_url, user, connections, args.out, handles)
        finally:
            server.shutdown()
            for handle in handles.values():
                handle.stop()
    for name in ("table.png", "rate-limited.png"):
        path = args.out / name
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
