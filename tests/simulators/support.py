"""Per-vendor knowledge the simulator tests share: paths, credentials, pagination."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import httpx

from dashboard.simulators import SimulatorHandle

SMALL = 120

PRIMARY = {
    "parsalink": "/api/contacts/",
    "parallax": "/v1/projects",
    "beacon": "/v1/subscribers",
    "linkit": "/api/v1/products",
    "atlas": "/people",
}
PRIMARY_COLLECTION = {
    "parsalink": "contacts",
    "parallax": "projects",
    "beacon": "subscribers",
    "linkit": "products",
    "atlas": "people",
}
ROWS = {"parsalink": "results", "parallax": "results"}

TLS = ssl.create_default_context()
"""One TLS context for every test client: building one per client costs ~50 ms."""

Launch = Callable[..., SimulatorHandle]
Connect = Callable[..., tuple[SimulatorHandle, httpx.Client]]


def http_client(handle: SimulatorHandle) -> httpx.Client:
    """A client for the simulator with no credentials."""
    return httpx.Client(base_url=handle.url, timeout=10, verify=TLS)


def authorize(handle: SimulatorHandle, client: httpx.Client) -> None:
    """Give `client` the vendor's credentials (logging in, choosing atlas's first OU)."""
    credentials = handle.credentials
    match handle.vendor:
        case "parsalink":
            login = {"email": credentials["email"], "password": credentials["password"]}
            token = client.post("/api/auth/login/", json=login).json()["access"]
            client.headers["Authorization"] = f"Bearer {token}"
        case "parallax":
            client.headers["X-API-KEY"] = credentials["api_key"]
        case "beacon":
            client.headers["Authorization"] = f"Bearer {credentials['api_key']}"
        case "linkit":
            client.headers["Authorization"] = credentials["api_key"]
        case "atlas":
            client.auth = (credentials["client_id"], credentials["client_secret"])
            unit = client.get("/org-units").json()["data"][0]["id"]
            client.put("/org-units/active", json={"org_unit_id": unit})


def rows(vendor: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    return body[ROWS.get(vendor, "data")]


def traverse(vendor: str, client: httpx.Client) -> list[dict[str, Any]]:
    """Every record of the vendor's primary collection, by the vendor's own pagination."""
    path = PRIMARY[vendor]
    records: list[dict[str, Any]] = []
    if vendor == "parsalink":
        url: str | None = path
        while url:
            body = client.get(url).json()
            records += body["results"]
            url = body["next"]
        return records
    page = 1
    while True:
        params = {"parallax": {"pageSize": 50}, "linkit": {"limit": 100}, "atlas": {"limit": 100}}
        body = client.get(path, params={"page": page, **params.get(vendor, {})}).json()
        records += rows(vendor, body)
        if _last_page(vendor, body, page):
            return records
        page += 1


def _last_page(vendor: str, body: dict[str, Any], page: int) -> bool:
    match vendor:
        case "parallax":
            return page >= body["total_pages"]
        case "beacon":
            return page >= body["pagination"]["page_count"]
        case "linkit":
            return not body["has_next"]
    return page * body["limit"] >= body["total"]
