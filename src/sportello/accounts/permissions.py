"""The one place that decides what an agent may see and do.

Every view, selector, action, export and API path asks here. OTRS's permission types
per group: ro, move_into, create, note, owner, priority, rw (rw includes all others).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from sportello.core.errors import PermissionDenied
from sportello.core.statements import INTEGER, Statement

if TYPE_CHECKING:
    from sportello.accounts.models import User
    from sportello.queues.models import Queue

PERMISSION_TYPES = ("ro", "move_into", "create", "note", "owner", "priority", "rw")

# The grants of an agent, computed once per user object (that is, once per request):
# {group id: {permission, ...}}. ``forget`` drops it after a grant changes.
_CACHE_ATTR = "_sportello_grants"
_AREAS_ATTR = "_sportello_admin_areas"


def grants(user: User) -> dict[int, frozenset[str]]:
    """The agent's effective permissions per group: the union of direct grants and the
    grants of their valid roles, on valid groups only."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    found: dict[int, set[str]] = {}
    if user.pk is not None and user.is_active and not user.is_system:
        for group_id, permission in _GRANTS.rows(user.pk, user.pk):
            found.setdefault(group_id, set()).add(permission)
    result = {group_id: frozenset(perms) for group_id, perms in found.items()}
    setattr(user, _CACHE_ATTR, result)
    return result


def _grants_query(direct_agent: int, role_agent: int) -> Any:
    from sportello.accounts.models import AgentGrant, RoleGrant

    direct = AgentGrant.objects.filter(agent_id=direct_agent, group__valid=True)
    by_role = RoleGrant.objects.filter(
        role__agents__id=role_agent, role__valid=True, group__valid=True
    )
    return direct.values_list("group_id", "permission").union(
        by_role.values_list("group_id", "permission")
    )


# Read once per request (every API call, every page): compiled once.
_GRANTS = Statement(_grants_query, INTEGER, INTEGER)


def forget(user: User) -> None:
    """Drop the cached grants and admin areas of ``user`` (after changing its grants or
    roles)."""
    for attr in (_CACHE_ATTR, _AREAS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def _check(permission: str) -> None:
    if permission not in PERMISSION_TYPES:
        raise ValueError(f"unknown permission {permission!r}")


def may_on_group(user: User, permission: str, group_id: int) -> bool:
    _check(permission)
    if user.is_system:
        return True
    if not user.is_active:  # checked now: a deactivation may postdate the cached grants
        return False
    held = grants(user).get(group_id)
    return bool(held) and (permission in held or "rw" in held)  # type: ignore[operator]


def may(user: User, permission: str, queue: Queue) -> bool:
    """May ``user`` exercise ``permission`` on tickets of ``queue``?

    The system user may do everything; inactive accounts nothing; agents what their
    grants on the queue's group (direct or through roles) allow, ``rw`` including all.
    """
    return may_on_group(user, permission, queue.group_id)


def require(user: User, permission: str, queue: Queue) -> None:
    if not may(user, permission, queue):
        raise PermissionDenied(
            _("You lack the “%(permission)s” permission on queue %(queue)s."),
            permission=permission,
            queue=queue.full_name,
        )


def groups_with(user: User, permission: str) -> list[int]:
    """Ids of the groups on which ``user`` holds ``permission`` (or ``rw``)."""
    _check(permission)
    if not user.is_active:
        return []
    return sorted(g for g, held in grants(user).items() if permission in held or "rw" in held)


def queues_with(user: User, permission: str) -> Any:
    """The queues on which ``user`` holds ``permission``, as a queryset."""
    from sportello.queues.models import Queue

    if user.is_system:
        return Queue.objects.all()
    return Queue.objects.filter(group_id__in=groups_with(user, permission))


def queue_choices(user: User, permission: str) -> Any:
    """The valid queues ``user`` may choose where an action needs ``permission``, by full
    name: move targets ``move_into``, new and split tickets ``create``, filters ``ro``.
    Every queue select of every form offers these."""
    return queues_with(user, permission).filter(valid=True).order_by("full_name")


def readable_queues(user: User) -> Any:
    """The queues whose tickets ``user`` may see (``ro``), as a queryset.

    Lists, counts, search and exports filter through this, so a ticket in a queue
    without read permission never shows up anywhere.
    """
    return queues_with(user, "ro")


def visible_tickets(user: User, queryset: Any) -> Any:
    """``queryset`` of tickets narrowed to those ``user`` may see."""
    if user.is_system:
        return queryset
    # A literal list of group ids keeps the ticket query a plain indexed filter.
    return queryset.filter(queue__group_id__in=groups_with(user, "ro"))


def visible_tallies(user: User, queryset: Any) -> Any:
    """``queryset`` of ticket tallies (``tickets.TicketTally``) narrowed to the queues
    whose tickets ``user`` may see: a count summed from them never includes a hidden
    queue."""
    if user.is_system:
        return queryset
    return queryset.filter(queue__group_id__in=groups_with(user, "ro"))


def may_report(user: User, permission: str) -> bool:
    """Statistics (``sportello.reports``): ``ro`` on the reporting group
    (``SPORTELLO_REPORTS_GROUP``) runs them, ``rw`` creates and edits them. What a run
    counts is still narrowed to ``readable_queues``."""
    from django.conf import settings

    from sportello.accounts.selectors import valid_group_id

    if user.is_system:
        return True
    group_id = valid_group_id(settings.SPORTELLO_REPORTS_GROUP)
    return group_id is not None and may_on_group(user, permission, group_id)


def agents_with(permission: str, queue: Queue) -> Any:
    """Active agents holding ``permission`` (or ``rw``) on ``queue``'s group, directly or
    through a valid role: notification recipient lists and owner choices use this."""
    from django.db.models import Q

    from sportello.accounts.models import User as Agent

    _check(permission)
    perms = [permission, "rw"]
    condition = Q(grants__group_id=queue.group_id, grants__permission__in=perms) | Q(
        roles__valid=True,
        roles__grants__group_id=queue.group_id,
        roles__grants__permission__in=perms,
    )
    return (
        Agent.objects.filter(is_active=True, is_system=False)
        .filter(condition)
        .distinct()
        .order_by("username")
    )


# ---------------------------------------------------------------------------------------
# Administration: full admins, and scoped admins (the seed's "mini-admin") who may edit
# only some areas (signatures, salutations, templates, auto-responses) of the queues of
# the groups they hold rw on.
# ---------------------------------------------------------------------------------------


def is_full_admin(user: Any) -> bool:
    return bool(user.is_active and user.is_superuser and not getattr(user, "is_system", False))


def admin_areas(user: Any) -> set[str]:
    """The administration areas ``user`` holds through valid roles."""
    if not user.is_active or getattr(user, "is_system", False) or user.pk is None:
        return set()
    # Read once per user object: the admin asks for every page it lists.
    cached = getattr(user, _AREAS_ATTR, None)
    if cached is None:
        cached = set()
        for role_areas in user.roles.filter(valid=True).values_list("admin_areas", flat=True):
            cached.update(role_areas or [])
        setattr(user, _AREAS_ATTR, cached)
    return set(cached)


def administered_queues(user: Any, area: str) -> Any:
    """The queues whose ``area`` objects ``user`` may edit."""
    from sportello.queues.models import Queue

    if is_full_admin(user):
        return Queue.objects.all()
    if area not in admin_areas(user):
        return Queue.objects.none()
    return Queue.objects.filter(group_id__in=groups_with(user, "rw"))


# ---------------------------------------------------------------------------------------
# Customers (the portal): what a customer user may see and do.
#
# A customer sees the tickets whose customer is their login or address and, when their
# company allows it, every ticket of the company; of those, only the articles marked
# visible for the customer and those articles' attachments. Anything else is treated as
# not existing (the portal answers 404).
# ---------------------------------------------------------------------------------------


def _customer_filter(customer_user: Any) -> Any:
    from django.db.models import Q

    if not customer_user.valid:
        return None
    ids = {customer_user.login}
    if customer_user.email:
        ids |= {customer_user.email, customer_user.email.lower()}
    condition = Q(customer_user_id__in=sorted(ids))
    company = customer_user.company
    if company is not None and company.valid and company.portal_shows_company_tickets:
        condition |= Q(customer_company_id=company.customer_id)
    return condition


def customer_tickets(customer_user: Any, queryset: Any = None) -> Any:
    """The tickets (``queryset`` narrowed, default all) ``customer_user`` may see."""
    from sportello.tickets.models import StateType, Ticket

    queryset = Ticket.objects.all() if queryset is None else queryset
    condition = _customer_filter(customer_user)
    if condition is None:
        return queryset.none()
    # Merged tickets live on in their target; removed ones are gone for the customer.
    return queryset.filter(condition).exclude(state__type__in=[StateType.MERGED, StateType.REMOVED])


def customer_may_see(customer_user: Any, ticket: Any) -> bool:
    return bool(customer_tickets(customer_user).filter(pk=ticket.pk).exists())


def customer_articles(customer_user: Any, ticket: Any) -> Any:
    """The articles of ``ticket`` shown to ``customer_user``: none if the ticket is not
    theirs, else only those visible for the customer."""
    from sportello.tickets.models import Article

    if not customer_may_see(customer_user, ticket):
        return Article.objects.none()
    return ticket.articles.filter(visible_for_customer=True)


def customer_attachments(customer_user: Any, ticket: Any) -> Any:
    from sportello.tickets.models import Attachment

    return Attachment.objects.filter(article__in=customer_articles(customer_user, ticket))


def customer_may_reply(customer_user: Any, ticket: Any) -> bool:
    return customer_may_see(customer_user, ticket)


def customer_may_close(customer_user: Any, ticket: Any) -> bool:
    from sportello.tickets.models import StateType

    return (
        bool(getattr(ticket.queue, "customer_may_close", False))
        and ticket.state.type != StateType.CLOSED
        and customer_may_see(customer_user, ticket)
    )


def customer_may_use_form(customer_user: Any | None, request_form: Any) -> bool:
    """Logged-in customers may use every valid form; anonymous visitors only forms that
    allow it (and they confirm their address before a ticket exists)."""
    if not request_form.valid:
        return False
    if customer_user is None:
        return bool(request_form.allow_anonymous)
    return bool(customer_user.valid)


# ---------------------------------------------------------------------------------------
# The FAQ (sportello.kb): agents read the articles of categories on whose groups they
# hold ro, and edit them with rw; a category without groups is open to every agent.
# Customers see published external and public articles, everyone published public ones;
# an internal article does not exist outside the agent interface.
# ---------------------------------------------------------------------------------------

FAQ_CUSTOMER_VISIBILITY = ("external", "public")
FAQ_PUBLIC_VISIBILITY = ("public",)


def faq_may(user: User, permission: str, category: Any) -> bool:
    """May ``user`` read (``ro``) or edit (``rw``) the articles of ``category``?"""
    _check(permission)
    if user.is_system:
        return True
    if not user.is_active or getattr(user, "is_anonymous", False):
        return False
    group_ids = [group.pk for group in category.groups.all()]
    if not group_ids:
        return True
    return any(may_on_group(user, permission, group_id) for group_id in group_ids)


def faq_require(user: User, permission: str, category: Any) -> None:
    if not faq_may(user, permission, category):
        raise PermissionDenied(
            _("You lack the “%(permission)s” permission on FAQ category %(category)s."),
            permission=permission,
            category=category.full_name,
        )


def faq_categories(user: User, permission: str = "ro") -> Any:
    """The FAQ categories whose articles ``user`` may read (or edit), as a queryset."""
    from django.db.models import Q

    from sportello.kb.models import Category

    _check(permission)
    if user.is_system:
        return Category.objects.all()
    if not user.is_active:
        return Category.objects.none()
    open_to_all = Q(groups__isnull=True)
    return Category.objects.filter(
        open_to_all | Q(groups__id__in=groups_with(user, permission))
    ).distinct()


def faq_visible_items(user: User, queryset: Any) -> Any:
    """``queryset`` of FAQ articles narrowed to those ``user`` may read."""
    if user.is_system:
        return queryset
    ids = list(faq_categories(user, "ro").values_list("pk", flat=True))
    return queryset.filter(category_id__in=ids)


def faq_may_approve(user: User) -> bool:
    """Agents with rw on the approval group (``SPORTELLO_FAQ_APPROVAL_GROUP``) approve."""
    from django.conf import settings

    from sportello.accounts.selectors import valid_group_id

    if user.is_system:
        return True
    if not user.is_active or getattr(user, "is_anonymous", False):
        return False
    group_id = valid_group_id(settings.SPORTELLO_FAQ_APPROVAL_GROUP)
    return group_id is not None and may_on_group(user, "rw", group_id)


def faq_published_items(queryset: Any, *, customer: bool) -> Any:
    """``queryset`` of FAQ articles narrowed to what a logged-in customer (``customer``)
    or anyone may read: valid, in a valid category, with a published version whose
    visibility and the current visibility both allow it (making an article internal
    hides it at once, without waiting for an approval)."""
    allowed = FAQ_CUSTOMER_VISIBILITY if customer else FAQ_PUBLIC_VISIBILITY
    return queryset.filter(
        valid=True,
        category__valid=True,
        published__isnull=False,
        published_visibility__in=allowed,
        visibility__in=allowed,
    )
