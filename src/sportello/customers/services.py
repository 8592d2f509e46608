"""Creating and importing customer users and companies (admin, CLI, scripts)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.core.errors import InvalidInput
from sportello.customers.models import CustomerCompany, CustomerUser

LANGUAGES = ("", "en", "de", "it")
CSV_COLUMNS = ("login", "email", "first_name", "last_name", "phone", "company", "language")


def _check_email(email: str) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Invalid email address: %(address)s"), address=email) from None
    return email


def _company(customer_id: str) -> CustomerCompany | None:
    customer_id = customer_id.strip()
    if not customer_id:
        return None
    company, _created = CustomerCompany.objects.get_or_create(
        customer_id=customer_id, defaults={"name": customer_id}
    )
    return company


def add_customer(
    login: str,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    company: str = "",
    language: str = "",
    password: str | None = None,
) -> tuple[CustomerUser, bool]:
    """Create or update the customer ``login``; returns (customer, created)."""
    login = login.strip()
    if not login or any(c.isspace() for c in login):
        raise InvalidInput(_("A login must not be empty or contain spaces."))
    if language not in LANGUAGES:
        raise InvalidInput(_("Unknown language: %(language)s"), language=language)
    values: dict[str, Any] = {
        "email": _check_email(email),
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "phone": phone.strip(),
        "language": language,
    }
    with transaction.atomic():
        values["company"] = _company(company)
        customer = CustomerUser.objects.filter(login__iexact=login).first()
        created = customer is None
        if customer is None:
            customer = CustomerUser(login=login)
        for name, value in values.items():
            if value or created:
                setattr(customer, name, value)
        if password is not None:
            try:
                validate_password(password, customer)  # type: ignore[arg-type]
            except ValidationError as error:
                raise InvalidInput(" ".join(error.messages)) from None
            customer.set_password(password)
        elif created:
            customer.set_unusable_password()
        customer.save()
    return customer, created


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def import_csv(stream: IO[str]) -> ImportReport:
    """Import customer users from CSV with a header row naming ``CSV_COLUMNS`` (login and
    email required). Each row is its own transaction; a bad row is reported, not fatal."""
    reader = csv.DictReader(stream)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = {"login", "email"} - set(header)
    if missing:
        raise InvalidInput(
            _("The CSV header lacks the columns: %(columns)s"), columns=", ".join(sorted(missing))
        )
    unknown = set(header) - set(CSV_COLUMNS)
    if unknown:
        raise InvalidInput(
            _("Unknown CSV columns: %(columns)s"), columns=", ".join(sorted(unknown))
        )
    report = ImportReport()
    for line, row in _rows(reader):
        try:
            _customer, created = add_customer(
                (row.get("login") or "").strip(),
                **{k: (row.get(k) or "").strip() for k in CSV_COLUMNS if k != "login"},
            )
        except InvalidInput as error:
            report.errors.append(f"line {line}: {error}")
            continue
        if created:
            report.created += 1
        else:
            report.updated += 1
    return report


def _rows(reader: csv.DictReader[str]) -> Iterable[tuple[int, dict[str, str]]]:
    for row in reader:
        yield reader.line_num, {(k or "").strip(): v for k, v in row.items()}
