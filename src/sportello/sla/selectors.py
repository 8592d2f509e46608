"""What agents may choose: the valid services, and the SLAs offered for a service."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sportello.sla.models import SLA, Service


def valid_services() -> QuerySet[Service]:
    return Service.objects.filter(valid=True).order_by("full_name")


def slas_for(service: Service | None) -> QuerySet[SLA]:
    """The valid SLAs a ticket of ``service`` may have: the service's own and those
    assigned to it (as in OTRS); a ticket without a service may have any valid SLA."""
    slas = SLA.objects.filter(valid=True).order_by("name")
    if service is None:
        return slas
    return slas.filter(Q(services=service) | Q(offered_for=service)).distinct()


def offers(service: Service | None, sla: SLA) -> bool:
    return slas_for(service).filter(pk=sla.pk).exists()
