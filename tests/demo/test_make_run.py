"""`make run`'s demo as a new user meets it: one command, a login, five working connections.

The demo runs as a real process (simulators and server included); the test signs in over
HTTP, tests every connection, then stops it with Ctrl-C and checks that nothing leaked: no
demo secret in the database file, the pages or the terminal output.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from dashboard.demo import SIMULATOR_SECRETS
from dashboard.simulators.runner import DIALECTS

ROOT = Path(__file__).resolve().parents[2]
DEMO_SECRETS = sorted(
    {
        DIALECTS[vendor].default_credentials[key]
        for vendor, names in SIMULATOR_SECRETS.items()
        for key in names.values()
        if "password" in key or "key" in key or "secret" in key
    }
)


def free_port_block(size: int) -> int:
    """The first of `size` consecutive free loopback ports."""
    for base in range(23000, 60000, 97):
        try:
            for port in range(base, base + size):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free port block")


def wait_for_line(process: subprocess.Popen[str], pattern: str, lines: list[str]) -> re.Match:
    deadline = time.monotonic() + 90
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        lines.append(line)
        if match := re.search(pattern, line):
            return match
    raise AssertionError("the demo never printed its login:\n" + "".join(lines))


def sign_in(client: httpx.Client, email: str, password: str) -> None:
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/accounts/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": str(client.base_url)},
    )
    assert answer.status_code == 302, answer.text[:500]


@pytest.mark.timeout(180)
def test_make_run_serves_five_working_connections_and_leaks_no_secret(tmp_path):
    simulator_base = free_port_block(5)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        server_port = probe.getsockname()[1]
    database = tmp_path / "demo.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "demo-test-secret-key",
        "CREDENTIAL_KEYS": Fernet.generate_key().decode(),
        "DEBUG": "true",
        "ALLOW_PRIVATE_VENDOR_HOSTS": "true",
        "DEMO_ADDRESS": f"127.0.0.1:{server_port}",
        "DEMO_SIMULATOR_PORT_BASE": str(simulator_base),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        login = wait_for_line(process, r"Sign in as (\S+) with password (\S+)", lines)
        wait_for_line(process, r"Starting .*server", lines)
        with httpx.Client(base_url=f"http://127.0.0.1:{server_port}", timeout=30) as client:
            sign_in(client, login.group(1), login.group(2))
            listing = client.get("/t/ops/connections/")
            assert listing.status_code == 200
            slugs = sorted(
                set(re.findall(r'<td><a href="/t/ops/connections/([\w-]+)/">', listing.text))
            )
            assert len(slugs) == 5, slugs
            pages = [listing.text]
            for slug in slugs:
                detail = client.get(f"/t/ops/connections/{slug}/")
                token = client.cookies["csrftoken"]
                result = client.post(
                    f"/t/ops/connections/{slug}/test/",
                    headers={"X-CSRFToken": token, "HX-Request": "true"},
                )
                assert "Connected" in result.text, (slug, result.text)
                pages += [detail.text, result.text]
            # The demo's background worker takes a snapshot.
            linkit = next(slug for slug in slugs if "linkit" in slug)
            panel_url = f"/t/ops/collections/{linkit}/inventory/snapshot/"
            headers = {"X-CSRFToken": client.cookies["csrftoken"], "HX-Request": "true"}
            client.post(panel_url + "take/", headers=headers)
            deadline = time.monotonic() + 90
            while "snapshot taken" not in (panel := client.get(panel_url, headers=headers).text):
                assert time.monotonic() < deadline, f"no worker finished the snapshot: {panel}"
                time.sleep(0.5)
            pages.append(panel)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        lines.append(output)
    for port in range(simulator_base, simulator_base + 5):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, "a simulator outlived the demo"
    stored = database.read_bytes()
    terminal = "".join(lines)
    for secret in DEMO_SECRETS:
        assert secret.encode() not in stored, "a secret is stored in plain text"
        assert all(secret not in page for page in pages), "a secret reached a page"
        assert secret not in terminal, "a secret reached the terminal or the logs"
