"""Forms of the ticket and article action dialogs. Validation of the domain rules stays
in the actions; these only turn request data into typed values."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse_lazy
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.core.errors import InvalidInput
from sportello.customers.models import CustomerUser
from sportello.queues.models import Queue
from sportello.tickets import dynamic_fields as df
from sportello.tickets import rich_text, time_accounting
from sportello.tickets.editor_labels import labels_json
from sportello.tickets.models import (
    PENDING_STATE_TYPES,
    Article,
    DynamicField,
    DynamicFieldObject,
    DynamicFieldType,
    LinkType,
    Priority,
    State,
    StateType,
    Ticket,
)
from sportello.web.agent_fields import AgentChoiceField, AgentMultipleChoiceField

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
TEXT_MAX = 200_000


# Dialog fields choosing agents, and the permission the chosen agents need.
AGENT_CHOICES = {"owner": "owner", "responsible": "rw", "notify": "ro"}


def _agents() -> Any:
    return User.objects.filter(is_active=True, is_system=False).order_by("username")


def _states(*types: str) -> Any:
    return State.objects.filter(valid=True, type__in=types).order_by("name")


DIALOG_STATES = (StateType.OPEN, StateType.CLOSED, *PENDING_STATE_TYPES)


class DialogForm(forms.Form):
    """Every dialog carries the ticket version it was rendered for and whether opening
    it took the lock (undo-and-finish then releases it)."""

    changed = forms.CharField(widget=forms.HiddenInput)
    took_lock = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        ticket: Ticket,
        agent: User,
        article: Article | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.ticket, self.agent, self.article = ticket, agent, article
        # Agent choices: only those who may hold the role on this ticket's queue.
        for name, permission in AGENT_CHOICES.items():
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = permissions.agents_with(permission, ticket.queue)

    def clean_changed(self) -> Any:
        value = parse_datetime(self.cleaned_data["changed"])
        if value is None:
            raise forms.ValidationError(_("The form is incomplete; reload the page."))
        return value


def _text(label: Any, required: bool = True, rows: int = 6) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _subject(required: bool = False) -> forms.CharField:
    return forms.CharField(label=_("Subject"), max_length=250, required=required)


class RichTextMixin(forms.Form):
    """The article text may come from the editor (``web/editor.js``), which sets
    ``content_type`` to text/html; without script it stays plain text. The actions clean
    the HTML whatever the browser sent."""

    rich_text_field = "body"
    content_type = forms.ChoiceField(
        choices=[(t, t) for t in rich_text.CONTENT_TYPES],
        initial=rich_text.PLAIN,
        required=False,
        widget=forms.HiddenInput(attrs={"data-content-type": ""}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.SPORTELLO_INLINE_IMAGE_MAX_SIZE
        self.fields[self.rich_text_field].widget.attrs.update(
            {
                "data-rich-text": "",
                "data-max-image-size": str(limit),
                "data-editor-labels": labels_json(),
                "data-image-too-large": _("The image is too large (at most %(limit)s).")
                % {"limit": filesizeformat(limit)},
            }
        )

    def clean_content_type(self) -> str:
        return str(self.cleaned_data.get("content_type") or rich_text.PLAIN)


class NextStateMixin(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        state = data.get("state")
        if state is not None and state.is_pending and not data.get("pending_until"):
            self.add_error("pending_until", _("A pending state needs a pending time."))
        return data


def _next_state(types: tuple[str, ...] = DIALOG_STATES, required: bool = False) -> Any:
    return forms.ModelChoiceField(
        label=_("Next state"), queryset=_states(*types), required=required
    )


def _pending_until(required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=_("Pending until"),
        required=required,
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
    )


class ArticleFieldsMixin(forms.Form):
    """The new article's own dynamic fields, prefilled with their defaults
    (``article_fields``: the definitions, when the caller has read them already)."""

    def __init__(
        self, *args: Any, article_fields: list[DynamicField] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.article_fields = add_dynamic_fields(
            self, DynamicFieldObject.ARTICLE, ARTICLE_PREFIX, fields=article_fields
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clean_dynamic_fields(self, self.article_fields, ARTICLE_PREFIX)
        return data

    def article_values(self) -> dict[DynamicField, Any]:
        return dynamic_values(self, self.article_fields, ARTICLE_PREFIX)


class TimeUnitsMixin(forms.Form):
    """Accounted time with the article (OTRS's time units): optional unless the system
    requires it; cleaned to minutes."""

    time_units = forms.CharField(label=_("Accounted time"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_units"]
        field.required = time_accounting.required()
        field.error_messages["required"] = _("Enter the time you spent.")
        unit = time_accounting.unit_minutes()
        field.help_text = (
            _("In minutes.") if unit == 1 else _("In units of %(n)s minutes.") % {"n": unit}
        )
        field.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean_time_units(self) -> int:
        try:
            minutes = time_accounting.minutes_from_units(self.cleaned_data.get("time_units"))
        except InvalidInput as error:
            raise forms.ValidationError(str(error)) from None
        if minutes == 0 and time_accounting.required():
            raise forms.ValidationError(_("Enter the time you spent."))
        return minutes


class NoteForm(RichTextMixin, TimeUnitsMixin, ArticleFieldsMixin, NextStateMixin, DialogForm):
    subject = _subject()
    body = _text(_("Text"))
    visible_for_customer = forms.BooleanField(label=_("Visible for the customer"), required=False)
    notify = AgentMultipleChoiceField(label=_("Inform agents"), queryset=_agents(), required=False)
    state = _next_state()
    pending_until = _pending_until()


class PhoneForm(RichTextMixin, TimeUnitsMixin, ArticleFieldsMixin, NextStateMixin, DialogForm):
    subject = _subject()
    body = _text(_("Text"))
    state = _next_state()
    pending_until = _pending_until()


class PendingForm(RichTextMixin, DialogForm):
    state = _next_state(PENDING_STATE_TYPES, required=True)
    pending_until = _pending_until(required=True)
    subject = _subject()
    body = _text(_("Note"), required=False)


class CloseForm(RichTextMixin, DialogForm):
    state = forms.ModelChoiceField(
        label=_("Next state"),
        queryset=_states(StateType.CLOSED).exclude(name="closed spam"),
    )
    subject = _subject()
    body = _text(_("Closing note"))


class ConfirmForm(DialogForm):
    pass


class MoveForm(DialogForm):
    queue = forms.ModelChoiceField(label=_("New queue"), queryset=Queue.objects.none())
    subject = _subject()
    body = _text(_("Note"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["queue"]
        assert isinstance(field, forms.ModelChoiceField)
        queues = permissions.queue_choices(self.agent, "move_into")
        field.queryset = queues.exclude(pk=self.ticket.queue_id)


class PriorityForm(DialogForm):
    priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=Priority.objects.filter(valid=True)
    )


class OwnerForm(DialogForm):
    owner = AgentChoiceField(label=_("New owner"), queryset=_agents())


class ResponsibleForm(DialogForm):
    responsible = AgentChoiceField(label=_("New responsible"), queryset=_agents(), required=False)


def customer_search_input() -> forms.TextInput:
    """A text input that fills the ``customer-results`` datalist as the agent types."""
    return forms.TextInput(
        attrs={
            "autocomplete": "off",
            "hx-get": reverse_lazy("web:customer-search"),
            "hx-trigger": "input changed delay:250ms",
            "hx-target": "#customer-results",
            "list": "customer-results",
        }
    )


class CustomerForm(DialogForm):
    customer_user_id = forms.CharField(
        label=_("Customer user"),
        max_length=250,
        required=False,
        help_text=_("Type to search customers; a known customer brings their company."),
        widget=customer_search_input(),
    )
    customer_company_id = forms.CharField(
        label=_("Customer company"), max_length=150, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        login = (data.get("customer_user_id") or "").strip()
        if login and not (data.get("customer_company_id") or "").strip():
            record = CustomerUser.objects.filter(login=login).select_related("company").first()
            if record is not None and record.company is not None:
                data["customer_company_id"] = record.company.customer_id
        return data


class TicketNumberForm(DialogForm):
    number = forms.CharField(label=_("Ticket number"), max_length=50)

    def clean_number(self) -> str:
        return str(self.cleaned_data["number"]).strip().removeprefix("Ticket#")


class LinkForm(TicketNumberForm):
    type = forms.ChoiceField(label=_("Link type"), choices=LinkType.choices)


class UnlinkForm(TicketNumberForm):
    pass


class MergeForm(TicketNumberForm):
    body = _text(_("Note"), required=False, rows=3)


class MasterSlaveForm(DialogForm):
    ROLE_CHOICES = [
        ("master", _("Master ticket")),
        ("slave", _("Slave of the master ticket below")),
        ("unset", _("Neither master nor slave")),
    ]
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    master_number = forms.CharField(label=_("Master ticket number"), max_length=50, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == "slave" and not str(data.get("master_number", "")).strip():
            self.add_error("master_number", _("Enter the number of the master ticket."))
        return data


class SplitForm(DialogForm):
    title = forms.CharField(label=_("Title"), max_length=255)
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["queue"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = permissions.queue_choices(self.agent, "create")


def _addresses(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class ReplyForm(RichTextMixin, TimeUnitsMixin, ArticleFieldsMixin, NextStateMixin, DialogForm):
    rich_text_field = "text"
    to = forms.CharField(label=_("To"), max_length=1000)
    cc = forms.CharField(label=_("Cc"), max_length=1000, required=False)
    text = _text(_("Text"), rows=10)
    keep_attachments = forms.BooleanField(label=_("Keep attachments"), required=False)
    state = _next_state()
    pending_until = _pending_until()

    def addresses(self, name: str) -> list[str]:
        return _addresses(self.cleaned_data.get(name, ""))


class ForwardForm(RichTextMixin, TimeUnitsMixin, DialogForm):
    rich_text_field = "text"
    to = forms.CharField(label=_("To"), max_length=1000)
    cc = forms.CharField(label=_("Cc"), max_length=1000, required=False)
    text = _text(_("Text"), required=False)
    keep_attachments = forms.BooleanField(
        label=_("Forward attachments"), required=False, initial=True
    )

    def addresses(self, name: str) -> list[str]:
        return _addresses(self.cleaned_data.get(name, ""))


class BounceForm(DialogForm):
    to = forms.EmailField(label=_("Redirect to"))


def dynamic_form_field(field: DynamicField) -> forms.Field:
    """The form field of one dynamic field (the domain re-validates on save)."""
    kind, label, required = field.field_type, field.label, field.required
    options = [(str(c.get("key")), field.choice_label(str(c.get("key")))) for c in field.choices]
    T = DynamicFieldType
    if kind == T.TEXTAREA:
        return forms.CharField(
            label=label, required=required, max_length=df.TEXT_LENGTH[T.TEXTAREA],
            widget=forms.Textarea(attrs={"rows": 3}),
        )  # fmt: skip
    if kind == T.INTEGER:
        return forms.IntegerField(
            label=label, required=required, min_value=field.min_value, max_value=field.max_value
        )
    if kind == T.DROPDOWN:
        return forms.ChoiceField(
            label=label, required=required, choices=[("", "---------"), *options]
        )
    if kind == T.MULTISELECT:
        return forms.MultipleChoiceField(
            label=label, required=required, choices=options, widget=forms.CheckboxSelectMultiple
        )
    if kind == T.CHECKBOX:
        return forms.BooleanField(label=label, required=False)
    if kind == T.DATE:
        return forms.DateField(
            label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
        )
    if kind == T.DATETIME:
        return forms.DateTimeField(
            label=label, required=required, widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
        )
    return forms.CharField(label=label, required=required, max_length=df.TEXT_LENGTH[T.TEXT])


TICKET_PREFIX, ARTICLE_PREFIX = "df_", "adf_"


def add_dynamic_fields(
    form: forms.Form,
    object_type: str,
    prefix: str,
    values: dict[str, Any] | None = None,
    fields: list[DynamicField] | None = None,
) -> list[DynamicField]:
    """Add a form field per valid dynamic field of ``object_type`` (or per given field),
    named prefix + field name, prefilled with ``values`` (stored values) or else the
    field's default."""
    if fields is None:
        fields = list(df.fields_for(object_type))
    for field in fields:
        form_field = dynamic_form_field(field)
        form_field.initial = (values or {}).get(field.name, field.default)
        form.fields[f"{prefix}{field.name}"] = form_field
    return fields


def clean_dynamic_fields(form: forms.Form, fields: list[DynamicField], prefix: str) -> None:
    """The domain's checks (pattern, options, ranges) shown at the field they concern."""
    for field in fields:
        name = f"{prefix}{field.name}"
        if name not in form.cleaned_data:
            continue  # the form field already reported an error
        try:
            form.cleaned_data[name] = df.clean_value(field, form.cleaned_data[name])
        except InvalidInput as error:
            form.add_error(name, str(error))


def dynamic_values(
    form: forms.Form, fields: list[DynamicField], prefix: str
) -> dict[DynamicField, Any]:
    return {f: form.cleaned_data.get(f"{prefix}{f.name}") for f in fields}


class FreeFieldsForm(NextStateMixin, DialogForm):
    state = _next_state((StateType.NEW, *DIALOG_STATES))
    pending_until = _pending_until()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Stored values prefill the fields; unset ones show their default.
        stored = df.stored(self.ticket)
        fields = df.ticket_fields()
        values = {f.name: df.value_of(f, stored[f.pk]) for f in fields if f.pk in stored}
        self.dynamic = add_dynamic_fields(self, DynamicFieldObject.TICKET, TICKET_PREFIX, values)
        self.fields["state"].initial = self.ticket.state_id

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        clean_dynamic_fields(self, self.dynamic, TICKET_PREFIX)
        return data

    def dynamic_values(self) -> dict[DynamicField, Any]:
        return dynamic_values(self, self.dynamic, TICKET_PREFIX)
