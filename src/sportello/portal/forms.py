from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from sportello.customers.models import CustomerUser
from sportello.portal.models import FormFieldKind, RequestForm

STARTED_SALT = "sportello.portal.form-started"
MAX_TEXT = 100_000


class LoginForm(forms.Form):
    login = forms.CharField(label=_("Login or email address"), max_length=254)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=4096)


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput, max_length=4096
    )
    password2 = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput, max_length=4096
    )

    def __init__(self, customer: CustomerUser, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError(_("The two passwords differ."))
        if first:
            validate_password(first, self.customer)  # type: ignore[arg-type]
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def check_upload_size(files: list[UploadedFile]) -> None:
    limit = settings.SPORTELLO_PORTAL_MAX_UPLOAD_SIZE
    if sum(f.size or 0 for f in files) > limit:
        raise forms.ValidationError(
            _("The attachments are too large: at most %(limit)s together."),
            params={"limit": filesizeformat(limit)},
        )


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Your reply"), widget=forms.Textarea, max_length=MAX_TEXT)
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def clean_attachments(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data.get("attachments") or []
        check_upload_size(files)
        return files


class RequestSubmissionForm(forms.Form):
    """The fields an admin configured for a request form, plus the spam guards."""

    # Hidden by the stylesheet; people leave it empty, form-filling robots do not.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self, request_form: RequestForm, *args: Any, anonymous: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.request_form = request_form
        self.fields["started"].initial = signing.dumps(time.time(), salt=STARTED_SALT)
        if anonymous:
            self.fields["name"] = forms.CharField(label=_("Your name"), max_length=200)
            self.fields["email"] = forms.EmailField(label=_("Your email address"))
        for spec in request_form.fields.all():
            field: forms.Field
            if spec.kind == FormFieldKind.TITLE:
                field = forms.CharField(max_length=255)
            elif spec.kind == FormFieldKind.DESCRIPTION:
                field = forms.CharField(widget=forms.Textarea, max_length=MAX_TEXT)
            else:
                field = MultipleFileField()
            field.required = spec.required
            field.label = spec.shown_label
            field.help_text = spec.shown_help
            self.fields[spec.kind] = field

    def clean_attachments(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data.get("attachments") or []
        check_upload_size(files)
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            raise forms.ValidationError(_("The form could not be sent. Please try again."))
        try:
            started = float(signing.loads(self.data.get("started", ""), salt=STARTED_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError(
                _("The form could not be sent. Please try again.")
            ) from None
        if time.time() - started < settings.SPORTELLO_PORTAL_MIN_FILL_SECONDS:
            raise forms.ValidationError(
                _("That was very fast. Please check your entries and send the form again.")
            )
        return data


class CustomerTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    expires = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Empty: until revoked."),
    )
