"""Background tasks (Django's Tasks framework; `manage.py db_worker` runs them)."""

from __future__ import annotations

from django.tasks import task

from . import services


@task()
def take_snapshot(snapshot_id: int) -> None:
    """Fetch every page of a snapshot's collection, from where it stopped."""
    services.snapshot_run(snapshot_id=snapshot_id)
