"""`manage.py fetch` against the simulators, in-process and as two OS processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dashboard.simulators.process import SimulatorProcess

from .conftest import preset_environ

ROOT = Path(__file__).resolve().parents[2]


def write_spec(tmp_path, vendor, handle, extra=""):
    path = tmp_path / f"{vendor}.toml"
    path.write_text(f'preset = "{vendor}"\nbase_url = "{handle.url}"\n{extra}')
    return path


def fetch(*args):
    out, err = StringIO(), StringIO()
    call_command("fetch", *args, stdout=out, stderr=err)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


@pytest.fixture
def linkit(launch, tmp_path, monkeypatch):
    handle = launch("linkit")
    for name, value in preset_environ("linkit", handle).items():
        monkeypatch.setenv(name, value)
    return handle, write_spec(tmp_path, "linkit", handle)


def test_fetch_all_prints_every_record_as_json_lines_and_a_summary(linkit):
    handle, spec = linkit
    records, summary = fetch("--spec", str(spec), "--resource", "products", "--all")
    assert len(records) == len(handle.store["products"])
    assert len({r["id"] for r in records}) == len(records)
    assert f"records={len(records)}" in summary
    assert "pages=3" in summary
    assert "rate_limited=0" in summary


def test_fetch_one_page_with_sort_filter_and_search(linkit):
    _, spec = linkit
    records, _ = fetch(
        "--spec",
        str(spec),
        "--resource",
        "products",
        "--page",
        "2",
        "--page-size",
        "5",
        "--sort=-price",
        "--filter",
        "is_enabled=true",
    )
    assert len(records) == 5
    assert all(r["is_enabled"] is True for r in records)
    prices = [r["price"] for r in records]
    assert prices == sorted(prices, reverse=True)


def test_a_vendor_error_exits_with_status_2_and_a_plain_message(linkit, monkeypatch):
    _, spec = linkit
    monkeypatch.setenv("LINKIT_API_KEY", "wrong")
    with pytest.raises(CommandError) as caught:
        fetch("--spec", str(spec), "--resource", "products")
    assert caught.value.returncode == 2
    assert "wrong" not in str(caught.value)
    assert str(caught.value)


def test_an_invalid_spec_exits_with_status_2_naming_the_field(linkit, tmp_path):
    handle, _ = linkit
    spec = write_spec(tmp_path, "linkit", handle, "[pagination]\nmax_size = 0\n")
    with pytest.raises(CommandError) as caught:
        fetch("--spec", str(spec), "--resource", "products")
    assert caught.value.returncode == 2
    assert "pagination" in str(caught.value)


def test_an_unsupported_filter_is_refused(linkit):
    _, spec = linkit
    with pytest.raises(CommandError, match="cannot filter on 'colour'"):
        fetch("--spec", str(spec), "--resource", "products", "--filter", "colour=red")


def redis_url():
    import redis

    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.mark.timeout(180)
def test_two_processes_sharing_one_account_through_redis_stay_within_the_limit(tmp_path):
    """Two OS processes traverse the same vendor account at once; the combined rate holds.
    The simulator runs in a third process, so that its clock is not held up by this one."""
    url = redis_url()
    limit, window = 15, 2
    with SimulatorProcess("parallax", limit=limit, window=window, records=300) as handle:
        stats = _traverse_twice(tmp_path, handle, url, limit, window)
    assert stats["requests"] >= 60
    assert (stats["rate_limited"], stats["max_in_window"]) == (0, limit), stats


def _traverse_twice(tmp_path, handle, url, limit, window):
    spec = write_spec(
        tmp_path,
        "parallax",
        handle,
        # Four busy processes on a small machine: a wider allowance for scheduling delays.
        f"[rate_limit]\nrequests = {limit}\nwindow = {window}\ntransit_allowance = 1\n",
    )
    env = {
        **os.environ,
        **preset_environ("parallax", handle),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "REDIS_URL": url,
    }
    command = [
        sys.executable,
        "manage.py",
        "fetch",
        "--spec",
        str(spec),
        "--resource",
        "projects",
        "--all",
        "--page-size",
        "10",
    ]
    # Output to files, not pipes: a worker must never wait for this process to read.
    outputs = [(tmp_path / f"out{n}", tmp_path / f"err{n}") for n in range(2)]
    workers = []
    for out, err in outputs:
        with out.open("wb") as stdout, err.open("wb") as stderr:
            workers.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
            )
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.wait(timeout=150) == 0, err.read_text()
        assert len(out.read_text().splitlines()) == 300
    return handle.stats()
