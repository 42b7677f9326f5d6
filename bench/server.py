"""The dashboard as `make serve` runs it: gunicorn with several workers, Redis, DEBUG off,
a SQLite file in a temporary folder, one team and one connection per simulator."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
REDIS_URL = "redis://127.0.0.1:6379/10"
WORKERS = 4
TEAM = "bench"
SESSION_COOKIE = "sessionid"
CSRF_COOKIE = "csrftoken"
EMAIL = "bench@example.com"

SETUP = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from dashboard.accounts.models import User
from dashboard.connections import services
from dashboard.teams.models import Membership, Team
call_command("migrate", verbosity=0)
given = json.load(sys.stdin)
user = User.objects.create_user(email=given["email"], password=given["password"])
team = Team.objects.create(name="Bench", slug=given["team"])
Membership.objects.create(team=team, user=user, role="owner")
for connection in given["connections"]:
    services.connection_create(team=team, **connection)
"""


@dataclass(frozen=True)
class Connection:
    """A connection to create: `name` is also its slug (lower case, no spaces)."""

    name: str
    preset: str
    base_url: str
    spec_toml: str
    variables: dict[str, str]
    secrets: dict[str, str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environ(folder: Path, database_url: str | None = None) -> dict[str, str]:
    """Production settings for a throw-away deployment in `folder` (plain HTTP on loopback),
    on a SQLite file there unless `database_url` names another database."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "SECURE_", "SESSION_", "CSRF_", "REDIS_"))
    }
    return inherited | {
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DATABASE_URL": database_url or f"sqlite:///{folder / 'db.sqlite3'}",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "bench",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "CREDENTIAL_KEYS": Fernet.generate_key().decode(),
        "ALLOW_PRIVATE_VENDOR_HOSTS": "true",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(folder / "static"),
    }


def run_script(environ: dict[str, str], script: str, given: object) -> str:
    """Run `script` (Python with Django set up by it) in the deployment's settings, with
    `given` as JSON on its standard input; its standard output."""
    return subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(given),
        text=True,
        capture_output=True,
        cwd=ROOT,
        env=environ | {"LOG_LEVEL": "WARNING"},
        check=True,
        timeout=120,
    ).stdout


@dataclass(frozen=True)
class Finished:
    """A process run to its end: exit status, standard error, wall time, peak memory."""

    returncode: int
    errors: str
    seconds: float
    peak_rss_mb: float


# Runs the command given in its arguments and prints its peak RSS (KiB). The kernel keeps a
# process's high-water mark across fork and exec, so a command started by the bench itself
# would report at least the bench's own size; started by this small process, it reports its own.
PEAK_RSS = """
import resource, subprocess, sys
finished = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(finished.returncode)
"""


def run_measured(command: Sequence[str], environ: dict[str, str]) -> Finished:
    """Run `command` from the project's folder and measure its wall time and maximum RSS."""
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    return Finished(process.returncode, process.stderr, seconds, int(process.stdout) / 1024)


class Dashboard:
    """A running deployment: its URL, its settings (`environ`, for commands and workers
    beside it), the gunicorn master's process id and a way to sign in."""

    def __init__(self, url: str, password: str, environ: dict[str, str], pid: int) -> None:
        self.url = url
        self._password = password
        self.environ = environ
        self.pid = pid

    def table_path(self, connection: str, resource: str) -> str:
        return f"/t/{TEAM}/c/{connection}/{resource}/"

    def signed_in(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=60)
        page = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if token is None:
            raise RuntimeError("the sign-in page has no CSRF token")
        answer = client.post(
            "/accounts/login/",
            data={
                "username": EMAIL,
                "password": self._password,
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": self.url},
        )
        if answer.status_code != 302:
            raise RuntimeError(f"signing in failed with status {answer.status_code}")
        return client

    def csrf_headers(self, client: httpx.Client) -> dict[str, str]:
        """The headers a signed-in `client` sends with a POST, as the dashboard's forms do."""
        return {"X-CSRFToken": client.cookies[CSRF_COOKIE], "Referer": self.url}

    def session(self) -> str:
        """A new signed-in session's cookie value, for the load tool's users."""
        with closing(self.signed_in()) as client:
            return client.cookies[SESSION_COOKIE]


@contextmanager
def dashboard(
    connections: Sequence[Connection], workers: int = WORKERS, database_url: str | None = None
) -> Iterator[Dashboard]:
    """Set up and serve the dashboard (on a new SQLite file unless `database_url` names an
    empty database); the server's log is kept in the temporary folder."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        folder = Path(name)
        env = production_environ(folder, database_url)
        password = secrets.token_urlsafe(18)
        given = {
            "email": EMAIL,
            "password": password,
            "team": TEAM,
            "connections": [connection.__dict__ for connection in connections],
        }
        run_script(env, SETUP, given)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env | {"LOG_LEVEL": "WARNING"},
            check=True,
            timeout=120,
        )
        port = free_port()
        with (folder / "server.log").open("w") as log:
            process = subprocess.Popen(
                [
                    str(GUNICORN),
                    "dashboard.wsgi",
                    "--workers",
                    str(workers),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--timeout",
                    "60",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_healthy(url, process)
                yield Dashboard(url, password, env, process.pid)
            finally:
                process.terminate()
                process.wait(timeout=30)


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn stopped while starting")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the dashboard did not become healthy within 60 s")
