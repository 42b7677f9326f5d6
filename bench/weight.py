"""Page weight: bytes of a 100-row table page and partial, and what a browser fetches to
show the page (headless Chromium through Playwright)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Response, sync_playwright

from .report import Section, Table
from .server import Dashboard

CHROMIUM = Path("/usr/bin/chromium")
ROWS = 100


def run(dashboard: Dashboard, connection: str, resource: str) -> Section:
    table = dashboard.table_path(connection, resource)
    params = {"size": str(ROWS)}
    with closing(dashboard.signed_in()) as client:
        page_bytes = len(client.get(table, params=params).content)
        partial_bytes = len(
            client.get(table, params=params, headers={"HX-Request": "true"}).content
        )
        cookies = [
            {"name": name, "value": value, "url": dashboard.url}
            for name, value in client.cookies.items()
        ]
    loads = _browser_requests(dashboard.url, f"{table}?size={ROWS}", cookies)
    origin = urlsplit(dashboard.url).netloc
    external = [item for item in loads if urlsplit(item["url"]).netloc != origin]
    return Section(
        key="weight",
        title="4. Page weight",
        intro=(
            f"The {connection} table with {ROWS} rows. Bytes are the HTML as the server sends it "
            "(no compression for HTML); the browser's requests are every request headless "
            "Chromium made from navigation until the network was idle, static files served "
            "by WhiteNoise (hashed names, compressed)."
        ),
        tables=[
            Table(
                headers=("what", "bytes"),
                rows=[("full page HTML", page_bytes), ("HTMX partial HTML", partial_bytes)],
            ),
            Table(
                headers=("browser request", "type", "status", "bytes (decoded)"),
                rows=[
                    (urlsplit(item["url"]).path, item["type"], item["status"], item["bytes"])
                    for item in loads
                ],
            ),
        ],
        notes=[
            f"{len(loads)} requests to show the table, {len(external)} to other hosts.",
        ],
        data={
            "rows": ROWS,
            "page_bytes": page_bytes,
            "partial_bytes": partial_bytes,
            "browser_requests": loads,
            "external_requests": len(external),
        },
    )


def _browser_requests(base_url: str, path: str, cookies: list[dict]) -> list[dict]:
    """Every response the page's load brought, read once the network is idle."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context()
        context.add_cookies(cookies)
        page = context.new_page()
        responses: list[Response] = []
        page.on("response", lambda response: responses.append(response))
        page.goto(base_url + path, wait_until="networkidle")
        loads = [
            {
                "url": response.url,
                "type": response.request.resource_type,
                "status": response.status,
                "bytes": len(response.body()) if response.status < 300 else 0,
            }
            for response in responses
        ]
        browser.close()
    return loads
