"""Huey task: compute a statistic run in the background."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from sportello.reports import services


@db_task()
def run_statistic(pk: int) -> None:
    services.execute_run(pk)
