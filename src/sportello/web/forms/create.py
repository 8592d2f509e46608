"""Forms of the new phone ticket and new email ticket screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.customers.models import CustomerUser
from sportello.mail.models import StandardTemplate, TemplateType
from sportello.queues.models import Queue
from sportello.tickets.models import (
    DynamicField,
    DynamicFieldObject,
    Priority,
    State,
    StateType,
    TicketType,
)
from sportello.tickets.selectors import DEFAULT_PRIORITY, DEFAULT_TICKET_TYPE
from sportello.web.agent_fields import AgentChoiceField
from sportello.web.forms.ticket_actions import (
    ARTICLE_PREFIX,
    TICKET_PREFIX,
    RichTextMixin,
    add_dynamic_fields,
    clean_dynamic_fields,
    customer_search_input,
    dynamic_values,
)

NEXT_STATE_TYPES = (
    StateType.NEW,
    StateType.OPEN,
    StateType.CLOSED,
    StateType.PENDING_REMINDER,
    StateType.PENDING_AUTO,
)


class NewTicketForm(forms.Form):
    customer = forms.CharField(
        label=_("Customer"),
        max_length=250,
        help_text=_("Type to search customers, or give an email address."),
        widget=customer_search_input(),
    )
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.none())
    title = forms.CharField(label=_("Title"), max_length=255)
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}), max_length=200_000
    )
    type = forms.ModelChoiceField(label=_("Type"), queryset=TicketType.objects.filter(valid=True))
    priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=Priority.objects.filter(valid=True)
    )
    owner = AgentChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    responsible = AgentChoiceField(
        label=_("Responsible"), queryset=User.objects.none(), required=False
    )
    next_state = forms.ModelChoiceField(
        label=_("Next state"),
        queryset=State.objects.filter(valid=True, type__in=NEXT_STATE_TYPES),
    )
    pending_until = forms.DateTimeField(
        label=_("Pending until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, agent: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agent = agent
        self._set_queryset("queue", permissions.queue_choices(agent, "create"))
        agents = User.objects.filter(is_active=True, is_system=False).order_by(
            "first_name", "last_name", "username"
        )
        self._set_queryset("owner", agents)
        self._set_queryset("responsible", agents)
        self.fields["type"].initial = TicketType.objects.filter(name=DEFAULT_TICKET_TYPE).first()
        self.fields["priority"].initial = Priority.objects.filter(name=DEFAULT_PRIORITY).first()
        self.fields["next_state"].initial = State.objects.filter(name="open").first()
        # Dynamic fields of the ticket and of its first article, with their defaults.
        self.ticket_fields = add_dynamic_fields(self, DynamicFieldObject.TICKET, TICKET_PREFIX)
        self.article_fields = add_dynamic_fields(self, DynamicFieldObject.ARTICLE, ARTICLE_PREFIX)

    def _set_queryset(self, name: str, queryset: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def clean_customer(self) -> str:
        value: str = self.cleaned_data["customer"].strip()
        self.customer_record = (
            CustomerUser.objects.filter(login=value).select_related("company").first()
        )
        if self.customer_record is None:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError(
                    _("No customer with login %(value)s; give an email address instead."),
                    params={"value": value},
                ) from None
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        state = data.get("next_state")
        if state is not None and state.is_pending and not data.get("pending_until"):
            self.add_error("pending_until", _("A pending state needs a pending time."))
        clean_dynamic_fields(self, self.ticket_fields, TICKET_PREFIX)
        clean_dynamic_fields(self, self.article_fields, ARTICLE_PREFIX)
        return data

    # What the actions need, derived from the customer field.
    def customer_ids(self) -> tuple[str, str]:
        record = self.customer_record
        if record is None:
            return self.cleaned_data["customer"], ""
        return record.login, record.company.customer_id if record.company else ""

    def customer_address(self) -> str:
        record = self.customer_record
        if record is None:
            return str(self.cleaned_data["customer"])
        return f"{record.full_name} <{record.email}>" if record.full_name else record.email

    def customer_email(self) -> str:
        record = self.customer_record
        return record.email if record is not None else str(self.cleaned_data["customer"])

    def common(self) -> dict[str, Any]:
        data = self.cleaned_data
        user_id, company_id = self.customer_ids()
        state = data["next_state"]
        return {
            "title": data["title"],
            "queue": data["queue"],
            "state": state,
            "priority": data["priority"],
            "type": data["type"],
            "owner": data.get("owner"),
            "responsible": data.get("responsible"),
            "customer_user_id": user_id,
            "customer_company_id": company_id,
            "pending_until": data.get("pending_until") if state.is_pending else None,
            "dynamic_fields": self._dynamic(self.ticket_fields, TICKET_PREFIX),
            "article_fields": self._dynamic(self.article_fields, ARTICLE_PREFIX),
        }

    def _dynamic(self, fields: list[DynamicField], prefix: str) -> dict[DynamicField, Any]:
        # Empty values are not stored: a new ticket has nothing to clear.
        values = dynamic_values(self, fields, prefix)
        return {f: v for f, v in values.items() if v not in (None, "", [], False)}


class NewPhoneTicketForm(RichTextMixin, NewTicketForm):
    """The customer's call as the agent writes it down: HTML from the editor."""

    rich_text_field = "text"


class NewEmailTicketForm(RichTextMixin, NewTicketForm):
    """The first article is a mail the agent writes: HTML from the editor."""

    rich_text_field = "text"
    cc = forms.CharField(label=_("Cc"), max_length=1000, required=False)
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=StandardTemplate.objects.filter(type=TemplateType.CREATE, valid=True),
        required=False,
    )

    field_order = ["customer", "cc", "queue", "template", "title", "text"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        template, queue = data.get("template"), data.get("queue")
        if not data.get("text", "").strip() and not template:
            self.add_error("text", _("Write a text or choose a template."))
        if template is not None and queue is not None:
            assigned = template.queues.all()
            if assigned.exists() and not assigned.filter(pk=queue.pk).exists():
                self.add_error("template", _("This template is not meant for that queue."))
        return data

    def cc_addresses(self) -> list[str]:
        value: str = self.cleaned_data.get("cc", "")
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
