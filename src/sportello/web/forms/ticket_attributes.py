"""Forms of the dialogs changing a ticket's type, title, service and SLA, each with an
optional internal note. Which SLA fits which service is the action's rule; the choices
only offer what it accepts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.sla import selectors as sla_selectors
from sportello.tickets.models import TITLE_MAX_LENGTH, TicketType
from sportello.web.forms.ticket_actions import TEXT_MAX, DialogForm


class AttributeForm(DialogForm):
    """The optional note that goes with the change."""

    subject = forms.CharField(label=_("Note subject"), max_length=250, required=False)
    body = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TypeForm(AttributeForm):
    ticket_type = forms.ModelChoiceField(
        label=_("Type"), queryset=TicketType.objects.filter(valid=True).order_by("name")
    )
    field_order = ["ticket_type", "subject", "body"]


class TitleForm(AttributeForm):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    field_order = ["title", "subject", "body"]


class ServiceForm(AttributeForm):
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=sla_selectors.valid_services(),
        required=False,
        empty_label=_("(no service)"),
        help_text=_("An SLA of the ticket that the new service does not offer is removed."),
    )
    field_order = ["service", "subject", "body"]


class SLAForm(AttributeForm):
    sla = forms.ModelChoiceField(
        label=_("SLA"),
        queryset=sla_selectors.slas_for(None),
        required=False,
        empty_label=_("(the service's or the queue's SLA)"),
    )
    field_order = ["sla", "subject", "body"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["sla"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = sla_selectors.slas_for(self.ticket.service)
        if self.ticket.service is not None:
            field.help_text = _("The SLAs offered for service %(service)s.") % {
                "service": self.ticket.service.full_name
            }
