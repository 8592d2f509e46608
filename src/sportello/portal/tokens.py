"""Signed links for the portal: passwordless login, password reset, confirming the
address of an anonymous request.

Login and reset tokens carry a digest of the customer's password hash and last login:
logging in or changing the password makes every older token invalid, so each link works
once. Signing with a timestamp makes them expire.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from sportello.customers.models import CustomerUser
from sportello.portal.models import PendingSubmission

LOGIN = "sportello.portal.login-link"
RESET = "sportello.portal.password-reset"
CONFIRM = "sportello.portal.confirm-request"


def _state(customer: CustomerUser, purpose: str) -> str:
    last = customer.last_login.isoformat() if customer.last_login else ""
    value = f"{customer.pk}|{customer.password}|{last}|{customer.email}"
    return salted_hmac(purpose, value).hexdigest()[:32]


def make_customer_token(customer: CustomerUser, purpose: str) -> str:
    return signing.dumps({"c": customer.pk, "s": _state(customer, purpose)}, salt=purpose)


def check_customer_token(token: str, purpose: str) -> CustomerUser | None:
    minutes = (
        settings.SPORTELLO_PORTAL_LINK_MINUTES
        if purpose == LOGIN
        else settings.SPORTELLO_PORTAL_RESET_MINUTES
    )
    try:
        data = signing.loads(token, salt=purpose, max_age=timedelta(minutes=minutes))
        customer_id, state = int(data["c"]), str(data["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    customer = CustomerUser.objects.filter(pk=customer_id, valid=True).first()
    if customer is None or not constant_time_compare(state, _state(customer, purpose)):
        return None
    return customer


def make_confirm_token(submission: PendingSubmission) -> str:
    return signing.dumps({"p": submission.pk, "e": submission.email.lower()}, salt=CONFIRM)


def check_confirm_token(token: str) -> PendingSubmission | None:
    max_age = timedelta(hours=settings.SPORTELLO_PORTAL_CONFIRM_HOURS)
    try:
        data = signing.loads(token, salt=CONFIRM, max_age=max_age)
        pk, email = int(data["p"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    submission = PendingSubmission.objects.select_related("form").filter(pk=pk).first()
    if submission is None or submission.email.lower() != email:
        return None
    return submission
