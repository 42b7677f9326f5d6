"""Several gunicorn worker processes sharing Redis: one rate budget, one token refresh, and
cache invalidation that reaches every worker.

The dashboard runs under gunicorn with four workers, exactly as `make serve` starts it, against
a SQLite file and Redis. Many users hit pages that call the vendor at once; the simulators,
each in its own process, count what actually reached them.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from dashboard.simulators.process import SimulatorProcess
from tests.records.conftest import form_data

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
REDIS_URL = "redis://127.0.0.1:6379/12"
WORKERS = 4

SETUP = """
import django, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from dashboard.accounts.models import User
from dashboard.connections import services
from dashboard.teams.models import Membership, Team
user = User.objects.create_user(email="ops@example.com", password="multi-worker-pw-1")
team = Team.objects.create(name="Ops", slug="ops")
Membership.objects.create(team=team, user=user, role="owner")
parallax_url, parallax_key, parsalink_url, email, password = sys.argv[1:6]
# A wider transit allowance: four workers and eight users on a small machine delay requests.
services.connection_create(team=team, name="Parallax", preset="parallax", base_url=parallax_url,
    spec_toml="[rate_limit]\\nrequests = 12\\nwindow = 2\\ntransit_allowance = 1\\n", variables={},
    secrets={"PARALLAX_API_KEY": parallax_key})
services.connection_create(team=team, name="ParsaLink", preset="parsalink", base_url=parsalink_url,
    spec_toml="", variables={}, secrets={"PARSALINK_EMAIL": email, "PARSALINK_PASSWORD": password})
"""


def redis_or_skip() -> None:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL)
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def simulators() -> Iterator[dict[str, SimulatorProcess]]:
    handles = {
        "parallax": SimulatorProcess("parallax", records=50, limit=12, window=2),
        "parsalink": SimulatorProcess("parsalink", records=50, access_ttl=5),
    }
    yield handles
    for handle in handles.values():
        handle.stop()


@pytest.fixture
def server(tmp_path, simulators) -> Iterator[str]:
    redis_or_skip()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "SECURE_", "SESSION_", "CSRF_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dashboard.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL=REDIS_URL,
        SECRET_KEY="multi-worker-test",
        CREDENTIAL_KEYS=Fernet.generate_key().decode(),
        ALLOW_PRIVATE_VENDOR_HOSTS="true",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    parallax, parsalink = simulators["parallax"], simulators["parsalink"]
    subprocess.run(
        [
            sys.executable,
            "-c",
            SETUP,
            parallax.url,
            parallax.credentials["api_key"],
            parsalink.url,
            parsalink.credentials["email"],
            parsalink.credentials["password"],
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    port = free_port()
    log = tmp_path / "gunicorn.log"  # a file, not a pipe: workers must never wait to log
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [str(GUNICORN), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env | {"BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(WORKERS)},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        raise AssertionError(log.read_text())
    yield url
    process.terminate()
    process.wait(timeout=30)


def signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/accounts/login/",
        data={
            "username": "ops@example.com",
            "password": "multi-worker-pw-1",
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": url},
    )
    assert answer.status_code == 302, answer.text[:300]
    return client


def press_test_button(client: httpx.Client, slug: str) -> str:
    response = client.post(
        f"/t/ops/connections/{slug}/test/",
        headers={"X-CSRFToken": client.cookies["csrftoken"], "HX-Request": "true"},
    )
    assert response.status_code == 200
    return response.text


@pytest.mark.timeout(240)
def test_workers_share_one_rate_budget_and_refresh_tokens_once(server, simulators):
    users = [signed_in(server) for _ in range(8)]

    # Many users at once through four workers: the vendor never sees more than its limit.
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: press_test_button(users[n % 8], "parallax"), range(48)))
    stats = simulators["parallax"].stats()
    assert stats["rate_limited"] == 0, stats
    assert stats["max_in_window"] <= 12, stats
    assert sum("Connected" in answer for answer in answers) == stats["requests"]
    assert all("Connected" in a or "rate limit" in a.lower() for a in answers)

    # Log in once; after the token expires, concurrent requests in every worker refresh once.
    press_test_button(users[0], "parsalink")
    time.sleep(5.5)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda user: press_test_button(user, "parsalink"), users))
    assert all("Connected" in answer for answer in answers), answers
    by_path = simulators["parsalink"].stats()["by_path"]
    assert by_path["/api/auth/login/"] == 1, by_path
    assert by_path.get("/api/auth/refresh/", 0) == 1, by_path
    for user in users:
        user.close()


TABLE = "/t/ops/c/parallax/projects/?size=50&cols=id,name,description"


@pytest.mark.timeout(240)
def test_an_edit_in_one_worker_reaches_the_cached_table_in_every_worker(server):
    users = [signed_in(server) for _ in range(8)]
    first = users[0].get(TABLE)
    assert first.status_code == 200
    record_id = re.search(r'title="Open ([^"]+)"', first.text).group(1)
    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = list(pool.map(lambda user: user.get(TABLE).text, users * 2))
    assert all("Fetched" in page and "ago" in page for page in pages), "served from the cache"

    editor = users[0]
    edit = f"/t/ops/c/parallax/projects/{record_id}/edit/"
    data = form_data(editor.get(edit).text) | {"record-description": "Changed in one worker"}
    saved = editor.post(edit, data=data, headers={"X-CSRFToken": editor.cookies["csrftoken"]})
    assert saved.status_code == 302, saved.text[:500]

    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = list(pool.map(lambda user: user.get(TABLE).text, users * 2))
    assert all("Changed in one worker" in page for page in pages)
    for user in users:
        user.close()
