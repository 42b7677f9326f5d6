"""`make run`: the demo in one command.

Writes a git-ignored `.env` with fresh keys on first use, migrates the SQLite database,
starts the five vendor simulators in the background, creates (or resets) the demo login,
provisions the demo team with one connection per simulator, prints the login with the URL,
starts the background task worker (`manage.py db_worker`: snapshots) and serves the
dashboard. Ctrl-C stops the simulators and the worker too. A second run reuses the database
and the keys.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from dashboard.simulators import VENDORS
from dashboard.simulators.runner import DIALECTS

from . import DEMO_EMAIL, DEMO_TEAM, PROVISIONING_FILE, SIMULATOR_SECRETS

BASE_DIR = Path(__file__).resolve().parents[2]
ENV_FILE = BASE_DIR / ".env"
ADDRESS = os.environ.get("DEMO_ADDRESS", "127.0.0.1:8000")
PORT_BASE = int(os.environ.get("DEMO_SIMULATOR_PORT_BASE", "8701"))


def ensure_env_file() -> None:
    """Create `.env` with a secret key and a credential key, once (unless the environment
    already provides them)."""
    if ENV_FILE.exists() or {"SECRET_KEY", "CREDENTIAL_KEYS"} <= os.environ.keys():
        return
    from cryptography.fernet import Fernet

    ENV_FILE.write_text(
        "# Written by `make run` for the local demo; never commit this file.\n"
        "DEBUG=true\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"CREDENTIAL_KEYS={Fernet.generate_key().decode()}\n"
        "ALLOW_PRIVATE_VENDOR_HOSTS=true\n"
    )
    ENV_FILE.chmod(0o600)
    print(f"Wrote {ENV_FILE.name} with new keys (git-ignored).")


def simulator_urls() -> dict[str, str]:
    return {vendor: f"http://127.0.0.1:{PORT_BASE + i}" for i, vendor in enumerate(VENDORS)}


def start_simulators() -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashboard.simulators",
            "--vendor",
            "all",
            "--port-base",
            f"{PORT_BASE}",
        ],
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    for url in simulator_urls().values():
        while True:
            try:
                httpx.get(f"{url}/__sim__/stats", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("The vendor simulators did not start.") from None
                time.sleep(0.2)
    return process


def demo_environ() -> dict[str, str]:
    """The values the demo provisioning file refers to: simulator addresses and accounts."""
    urls = simulator_urls()
    environ = {f"DEMO_{vendor.upper()}_URL": url for vendor, url in urls.items()}
    for vendor, names in SIMULATOR_SECRETS.items():
        credentials = DIALECTS[vendor].default_credentials
        environ.update({name: credentials[key] for name, key in names.items()})
    atlas = DIALECTS["atlas"].default_credentials
    units = httpx.get(
        f"{urls['atlas']}/org-units", auth=(atlas["client_id"], atlas["client_secret"])
    ).json()
    environ["DEMO_ATLAS_ORG_UNIT"] = units["data"][0]["id"]
    return environ


def prepare_database() -> str:
    """Migrate, (re)set the demo login and provision the demo team; return the password."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from dashboard.connections.provisioning import provision_file

    call_command("migrate", interactive=False, verbosity=0)
    password = secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(
        email=DEMO_EMAIL, defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_password(password)
    user.save()
    for change in provision_file(PROVISIONING_FILE, environ=demo_environ()):
        print(f"  {change}")
    return password


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the worker: a first signal lets it finish a short task; a second stops it at
    once, handing a snapshot in progress back to the queue (resumed on the next run)."""
    for _ in range(2):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue
    process.kill()
    process.wait()


def main() -> None:
    os.chdir(BASE_DIR)
    ensure_env_file()
    simulators = start_simulators()
    try:
        password = prepare_database()
        print(
            f"\n  Dashboard: http://{ADDRESS}/t/{DEMO_TEAM}/connections/\n"
            f"  Sign in as {DEMO_EMAIL} with password {password}\n"
            "  (a new password is set on every run; Ctrl-C stops everything)\n",
            flush=True,
        )
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--verbosity", "0"],
            cwd=BASE_DIR,
        )
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", ADDRESS, "--noreload"], cwd=BASE_DIR
        )
        try:
            server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGINT)
            server.wait()
        finally:
            stop(worker)
    finally:
        simulators.terminate()
        simulators.wait(timeout=10)


if __name__ == "__main__":
    main()
