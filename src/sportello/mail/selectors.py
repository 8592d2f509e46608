"""Cached reads of the mail configuration that every incoming message consults
(``core.cache`` for how changes reach each process)."""

from __future__ import annotations

from sportello.core import cache
from sportello.mail.models import AutoResponse, PostmasterFilter


def postmaster_filters() -> list[PostmasterFilter]:
    def load() -> list[PostmasterFilter]:
        return list(PostmasterFilter.objects.filter(valid=True).order_by("order", "name"))

    return cache.get("filters", load)


def offers_auto_response(queue_id: int, response_type: str) -> bool:
    def load() -> frozenset[tuple[int, str]]:
        rows = AutoResponse.queues.through.objects.filter(autoresponse__valid=True).values_list(
            "queue_id", "autoresponse__type"
        )
        return frozenset(rows)

    return (queue_id, response_type) in cache.get("auto_responses", load)
