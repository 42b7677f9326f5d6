"""`make run`: the demo in one command.

Writes a git-ignored `.env` with fresh keys on first use, migrates the SQLite database,
starts the five vendor simulators in the background, creates (or resets) the demo login,
prints it with the URL, and serves the dashboard. Ctrl-C stops the simulators too. A second
run reuses the database and the keys.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = BASE_DIR / ".env"
ADDRESS = os.environ.get("DEMO_ADDRESS", "127.0.0.1:8000")
SIMULATOR_PORT_BASE = int(os.environ.get("DEMO_SIMULATOR_PORT_BASE", "8701"))
DEMO_EMAIL = "demo@example.com"


def ensure_env_file() -> None:
    """Create `.env` with a secret key and a credential key, once."""
    if ENV_FILE.exists():
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


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)


def start_simulators() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashboard.simulators",
            "--vendor",
            "all",
            "--port-base",
            str(SIMULATOR_PORT_BASE),
        ],
        cwd=BASE_DIR,
    )


def reset_demo_login() -> str:
    """Create the demo superuser, or give it a fresh password; return the password."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    password = secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(
        email=DEMO_EMAIL, defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_password(password)
    user.save()
    return password


def main() -> None:
    os.chdir(BASE_DIR)
    ensure_env_file()
    manage("migrate", "--no-input", "--verbosity", "0")
    password = reset_demo_login()
    simulators = start_simulators()
    print(
        f"\n  Dashboard: http://{ADDRESS}/\n"
        f"  Sign in as {DEMO_EMAIL} with password {password}\n"
        "  (a new password is set on every run; Ctrl-C stops everything)\n",
        flush=True,
    )
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", ADDRESS], cwd=BASE_DIR)
    try:
        server.wait()
    except KeyboardInterrupt:
        server.send_signal(signal.SIGINT)
        server.wait()
    finally:
        simulators.terminate()
        simulators.wait(timeout=10)


if __name__ == "__main__":
    main()
