from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CustomerCompany(models.Model):
    customer_id = models.CharField(_("customer ID"), max_length=150, unique=True)
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=200, blank=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)
    portal_shows_company_tickets = models.BooleanField(
        _("users see the company's requests"),
        default=False,
        help_text=_("In the portal, every user of this company sees all its requests."),
    )

    class Meta:
        verbose_name = _("customer company")
        verbose_name_plural = _("customer companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerSource(models.TextChoices):
    DATABASE = "database", _("database")
    LDAP = "ldap", _("LDAP")
    SSO = "sso", _("single sign-on")


class CustomerUser(models.Model):
    login = models.CharField(_("login"), max_length=200, unique=True)
    email = models.EmailField(_("email"), max_length=254, db_index=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=100, blank=True)
    company = models.ForeignKey(
        CustomerCompany,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    valid = models.BooleanField(_("valid"), default=True)
    # Django's hashers (Argon2); empty or "!"-prefixed means no password login.
    password = models.CharField(_("password"), max_length=128, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=CustomerSource.choices, default=CustomerSource.DATABASE
    )
    last_login = models.DateTimeField(_("last login"), null=True, blank=True)

    # django-auth-ldap looks customers up by this field (see customers.ldap).
    USERNAME_FIELD = "login"

    class Meta:
        verbose_name = _("customer user")
        verbose_name_plural = _("customer users")
        ordering = ["login"]
        # Incoming mail finds its sender by address in any case (mail.context.by_address).
        indexes = [models.Index(Lower("email"), name="customeruser_email_lower")]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} <{self.email}>" if name else self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self) -> bool:
        return self.valid

    def set_password(self, raw: str | None) -> None:
        self.password = make_password(raw)

    def set_unusable_password(self) -> None:
        self.password = make_password(None)

    def has_usable_password(self) -> bool:
        return bool(self.password) and not self.password.startswith("!")

    def check_password(self, raw: str) -> bool:
        if not self.has_usable_password():
            return False

        def upgrade(raw_password: str) -> None:
            self.set_password(raw_password)
            self.save(update_fields=["password"])

        return check_password(raw, self.password, upgrade)

    def record_login(self) -> None:
        self.last_login = timezone.now()
        self.save(update_fields=["last_login"])

    def natural_key(self) -> tuple[Any, ...]:
        return (self.login,)
