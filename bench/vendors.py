"""The five presets as the bench uses them: one primary collection each, how a raw client asks
for one page of it, and how a connection to a simulator is set up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from dashboard.demo import SIMULATOR_SECRETS
from dashboard.simulators.process import SimulatorProcess


@dataclass(frozen=True)
class Vendor:
    preset: str
    resource: str
    path: str  # from the simulator's origin
    max_size: int  # the documented page-size maximum
    documented_limit: int  # reads per documented window
    documented_window: float
    page_params: Callable[[int], dict[str, str]]
    sortable: tuple[str, ...] = ()


VENDORS = {
    vendor.preset: vendor
    for vendor in (
        Vendor(
            "parsalink",
            "contacts",
            "/api/contacts/",
            100,
            100,
            60,
            lambda size: {"limit": str(size), "offset": "0"},
        ),
        Vendor(
            "parallax",
            "projects",
            "/v1/projects",
            500,
            100,
            60,
            lambda size: {"page": "1", "pageSize": str(size)},
        ),
        Vendor("beacon", "subscribers", "/v1/subscribers", 50, 100, 60, lambda size: {"page": "1"}),
        Vendor(
            "linkit",
            "products",
            "/api/v1/products",
            100,
            300,
            60,
            lambda size: {"page": "1", "limit": str(size)},
            sortable=("name_en", "sku", "price", "stock", "created", "updated"),
        ),
        Vendor(
            "atlas",
            "people",
            "/people",
            100,
            100,
            60,
            lambda size: {"page": "1", "limit": str(size)},
        ),
    )
}


def secrets_for(simulator: SimulatorProcess) -> dict[str, str]:
    """The preset's `${NAME}` secrets filled from the simulator's demo account."""
    names = SIMULATOR_SECRETS[simulator.vendor]
    return {name: simulator.credentials[key] for name, key in names.items()}


def variables_for(simulator: SimulatorProcess) -> dict[str, str]:
    """Atlas needs an organisational unit: the first one the simulator lists."""
    if simulator.vendor != "atlas":
        return {}
    units = httpx.get(f"{simulator.url}/org-units", auth=_atlas_auth(simulator)).json()
    return {"ATLAS_ORG_UNIT": units["data"][0]["id"]}


def _atlas_auth(simulator: SimulatorProcess) -> tuple[str, str]:
    return simulator.credentials["client_id"], simulator.credentials["client_secret"]


def raw_client(simulator: SimulatorProcess) -> httpx.Client:
    """A plain httpx client authenticated the vendor's way (logging in or choosing the
    organisational unit first where the vendor needs it): the baseline the dashboard is
    compared with."""
    credentials = simulator.credentials
    client = httpx.Client(base_url=simulator.url, timeout=30)
    match simulator.vendor:
        case "parsalink":
            login = client.post(
                "/api/auth/login/",
                json={"email": credentials["email"], "password": credentials["password"]},
            )
            client.headers["Authorization"] = f"Bearer {login.raise_for_status().json()['access']}"
        case "parallax":
            client.headers["X-API-KEY"] = credentials["api_key"]
        case "beacon":
            client.headers["Authorization"] = f"Bearer {credentials['api_key']}"
        case "linkit":
            client.headers["Authorization"] = credentials["api_key"]
        case "atlas":
            client.auth = _atlas_auth(simulator)
            unit = variables_for(simulator)["ATLAS_ORG_UNIT"]
            client.put("/org-units/active", json={"org_unit_id": unit}).raise_for_status()
    return client
