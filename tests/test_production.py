"""The production profile: security headers, health check, deploy checks, redacted logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from dashboard.demo import SIMULATOR_SECRETS
from dashboard.simulators import start_simulator

ROOT = Path(__file__).resolve().parents[1]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "dashboard.example.com",
    "CREDENTIAL_KEYS": Fernet.generate_key().decode(),
}


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without the suite's own settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "DJANGO_", "LOG_"))
        and key not in ("SECRET_KEY", "CREDENTIAL_KEYS", "ALLOW_PRIVATE_VENDOR_HOSTS", "DEBUG")
    }
    return {**env, **extra}


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_pages_and_partials_carry_a_strict_content_security_policy(client, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.get("/accounts/login/", **headers)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.parametrize(("proxies", "kept"), [(0, False), (1, True)])
def test_a_request_id_is_taken_from_the_header_only_behind_a_trusted_proxy(
    client, settings, proxies, kept
):
    settings.TRUSTED_PROXY_COUNT = proxies
    response = client.get("/healthz", HTTP_X_REQUEST_ID="from-outside-1")
    assert (response["X-Request-ID"] == "from-outside-1") is kept
    assert len(response["X-Request-ID"]) == (14 if kept else 32)


@pytest.mark.django_db
def test_every_script_tag_is_an_external_file_with_the_nonce(client, django_user_model):
    user = django_user_model.objects.create_user(email="n@example.com", password="pw-12345678")
    client.force_login(user)
    response = client.get("/", follow=True)
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    html = response.text
    assert html.count("<script") == html.count(f'nonce="{nonce}"') >= 1
    assert "<script>" not in html
    assert " hx-on" not in html
    assert " style=" not in html


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_healthz_says_unavailable_when_the_cache_is_down(client):
    broken = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=broken):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"
    assert "127.0.0.1" not in response.text


def test_check_deploy_passes_with_zero_warnings_in_the_production_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean_env(**PRODUCTION_ENV),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_with_a_bad_credential_key_list():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=clean_env(**{**PRODUCTION_ENV, "CREDENTIAL_KEYS": "not-a-key"}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "connections.E001" in result.stderr + result.stdout


def test_logs_are_json_lines_with_vendor_call_fields_and_no_secret(tmp_path):
    """A real vendor session in a subprocess, logging at DEBUG, leaks none of the secrets."""
    handle = start_simulator("parsalink", records=200, access_ttl=1, latency_ms=300)
    try:
        credentials = handle.credentials
        spec = tmp_path / "parsalink.toml"
        spec.write_text(
            f'preset = "parsalink"\nbase_url = "{handle.url}"\n'
            "[pagination]\ndefault_size = 20\nmax_size = 20\n"
        )
        secrets = {name: credentials[key] for name, key in SIMULATOR_SECRETS["parsalink"].items()}
        result = subprocess.run(
            [
                sys.executable,
                *("manage.py", "fetch", "--spec", str(spec), "--resource", "contacts", "--all"),
            ],
            cwd=ROOT,
            env=clean_env(
                **secrets,
                SECRET_KEY="log-test",
                CREDENTIAL_KEYS=Fernet.generate_key().decode(),
                ALLOW_PRIVATE_VENDOR_HOSTS="true",
                LOG_LEVEL="DEBUG",
                LOG_FORMAT="json",
            ),
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        handle.stop()
    assert result.returncode == 0, result.stderr
    assert handle.stats()["by_path"].get("/api/auth/refresh/", 0) >= 1
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    calls = [line for line in lines if line["message"] == "vendor call"]
    assert calls
    assert {"connection", "resource", "method", "status", "duration_ms"} <= calls[0].keys()
    assert "rate_limit_remaining" in calls[0]
    assert {call["resource"] for call in calls} >= {"contacts", "(auth)"}
    for secret in (credentials["password"], "Bearer "):
        assert secret not in result.stderr
