"""Agents (read), customer users and customer companies (read; creating and updating a
customer user needs an admin token of a full administrator, as in the admin)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.api import auth
from sportello.api.errors import ApiError
from sportello.api.models import ApiToken, Scope
from sportello.api.schemas import (
    AgentOut,
    CompanyOut,
    CompanyPage,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    ErrorOut,
)
from sportello.api.search import MAX_PAGE, decode_cursor, encode_cursor
from sportello.core.errors import NotFound
from sportello.customers import services
from sportello.customers.models import CustomerCompany, CustomerUser

router = Router(tags=["agents and customers"])


class ListQuery(Schema):
    # Part of the login, name or address (customers), or of the id or name (companies).
    search: str = Field("", max_length=200)
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    cursor: str = ""


def _agent_out(user: User) -> dict[str, Any]:
    return {
        "login": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "valid": user.is_active,
    }


def _customer_out(customer: CustomerUser) -> dict[str, Any]:
    return {
        "login": customer.login,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
        "company": customer.company.customer_id if customer.company else None,
        "language": customer.language,
        "valid": customer.valid,
    }


def _page(rows: Any, query: ListQuery) -> tuple[list[Any], str | None]:
    if query.cursor:
        rows = rows.filter(pk__gt=decode_cursor(query.cursor))
    found = list(rows.order_by("pk")[: query.limit + 1])
    more = len(found) > query.limit
    found = found[: query.limit]
    return found, encode_cursor(found[-1].pk) if more else None


@router.get("/agents", response={200: list[AgentOut], codes_4xx: ErrorOut})
def agents(request: HttpRequest) -> Any:
    rows = User.objects.filter(is_system=False).order_by("username")
    return [_agent_out(user) for user in rows]


@router.get("/agents/{login}", response={200: AgentOut, codes_4xx: ErrorOut})
def agent(request: HttpRequest, login: str) -> Any:
    user = User.objects.filter(is_system=False, username=login).first()
    if user is None:
        raise NotFound(_("No agent %(login)s."), login=login)
    return _agent_out(user)


@router.get("/customers", response={200: CustomerPage, codes_4xx: ErrorOut})
def customers(request: HttpRequest, query: Query[ListQuery]) -> Any:
    rows = CustomerUser.objects.select_related("company")
    if query.search:
        text = query.search
        rows = rows.filter(
            Q(login__icontains=text)
            | Q(email__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
        )
    found, cursor = _page(rows, query)
    return {"customers": [_customer_out(c) for c in found], "next_cursor": cursor}


@router.get("/customers/{login}", response={200: CustomerOut, codes_4xx: ErrorOut})
def customer(request: HttpRequest, login: str) -> Any:
    found = CustomerUser.objects.select_related("company").filter(login__iexact=login).first()
    if found is None:
        raise NotFound(_("No customer user %(login)s."), login=login)
    return _customer_out(found)


@router.put("/customers/{login}", response={200: CustomerOut, codes_4xx: ErrorOut})
def save_customer(request: HttpRequest, login: str, data: CustomerIn) -> Any:
    """Create or update a customer user (the admin's and the CSV import's service)."""
    token: Any = getattr(request, "auth", None)
    if isinstance(token, ApiToken) and token.scope != Scope.ADMIN:
        raise ApiError(403, _("This needs an admin token."), code="scope")
    if not permissions.is_full_admin(auth.agent(request)):
        raise ApiError(403, _("Only administrators may change customer users."), code="forbidden")
    if data.login.lower() != login.lower():
        raise ApiError(400, _("The login in the path and the body differ."), code="invalid")
    saved, _created = services.add_customer(
        data.login,
        email=data.email,
        first_name=data.first_name,
        last_name=data.last_name,
        phone=data.phone,
        company=data.company,
        language=data.language,
    )
    return _customer_out(CustomerUser.objects.select_related("company").get(pk=saved.pk))


@router.get("/customer-companies", response={200: CompanyPage, codes_4xx: ErrorOut})
def companies(request: HttpRequest, query: Query[ListQuery]) -> Any:
    rows = CustomerCompany.objects.all()
    if query.search:
        rows = rows.filter(Q(customer_id__icontains=query.search) | Q(name__icontains=query.search))
    found, cursor = _page(rows, query)
    return {"companies": [_company_out(c) for c in found], "next_cursor": cursor}


@router.get("/customer-companies/{customer_id}", response={200: CompanyOut, codes_4xx: ErrorOut})
def company(request: HttpRequest, customer_id: str) -> Any:
    found = CustomerCompany.objects.filter(customer_id=customer_id).first()
    if found is None:
        raise NotFound(_("No customer company %(id)s."), id=customer_id)
    return _company_out(found)


def _company_out(company: CustomerCompany) -> dict[str, Any]:
    return {
        "customer_id": company.customer_id,
        "name": company.name,
        "street": company.street,
        "city": company.city,
        "country": company.country,
        "comment": company.comment,
        "valid": company.valid,
    }
