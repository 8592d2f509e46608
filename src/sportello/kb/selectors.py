"""Reads of the FAQ for agents, customers and the public. Every list ends in the
permission module (``faq_visible_items`` / ``faq_published_items``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchVectorField
from django.db import connection
from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.core.errors import NotFound
from sportello.kb.models import (
    ATTACHMENTS_KEY,
    Category,
    FaqAttachment,
    FaqHistory,
    FaqItem,
    Language,
)
from sportello.search import query as fulltext
from sportello.search.text import words

SORTS = {
    "title": ("title", "number"),
    "number": ("number",),
    "changed": ("-changed", "-number"),
    "created": ("-created", "-number"),
    "rating": ("-average", "-vote_count", "number"),
}
MAX_QUERY_WORDS = 8


# The stored tsvector column of each searched column (kb migration 0004), GIN-indexed;
# stored, so a plan that tests rows one by one does not parse their text again.
PG_VECTORS = {
    "search_text": "kb_faqitem.search_vector",
    "published_search": "kb_faqitem.published_vector",
}
FTS5_MATCHES = {
    "search_text": "SELECT rowid FROM kb_fts WHERE kb_fts MATCH %s",
    "published_search": "SELECT rowid FROM kb_published_fts WHERE kb_published_fts MATCH %s",
}


def _fulltext(
    queryset: QuerySet[FaqItem], column: str, found: Sequence[str], *, any_word: bool = False
) -> QuerySet[FaqItem]:
    """``queryset`` narrowed to the articles whose ``column`` holds every word of
    ``found`` (``any_word``: one of them), the last one also as a prefix (search as you
    type), through the full-text index of the database (kb migration 0002) and the search
    module's compilers. On PostgreSQL the match is a condition of the query itself (the
    indexed expression on the queried table), not a subquery."""
    terms: list[fulltext.Node] = [fulltext.Term((word,)) for word in found[:-1]]
    terms.append(fulltext.Term((found[-1],), prefix=True))
    node: fulltext.Node = (fulltext.Or if any_word else fulltext.And)(tuple(terms))
    if connection.vendor == "postgresql":
        query = fulltext.tsquery(node, "simple")
        vector = RawSQL(PG_VECTORS[column], [], output_field=SearchVectorField())  # noqa: S611
        return queryset.alias(fts=vector).filter(fts=query)
    match = fulltext.fts5(node)
    return queryset.filter(pk__in=RawSQL(FTS5_MATCHES[column], [match]))  # noqa: S611


def _words_match(queryset: QuerySet[FaqItem], column: str, query: str) -> QuerySet[FaqItem]:
    """Every word of ``query`` (folded as the index is) must occur in ``column``."""
    found = words(query)[:MAX_QUERY_WORDS]
    return _fulltext(queryset, column, found) if found else queryset


def agent_items(user: Any) -> QuerySet[FaqItem]:
    return permissions.faq_visible_items(user, FaqItem.objects.select_related("category"))


def agent_item(user: Any, number: int) -> FaqItem:
    """The article, or NotFound when it does not exist or ``user`` may not read it."""
    item = agent_items(user).filter(number=number).first()
    if item is None:
        raise NotFound(_("No FAQ article with number %(number)s."), number=number)
    return item


def sorted_items(queryset: QuerySet[FaqItem], sort: str) -> QuerySet[FaqItem]:
    if sort == "rating":
        average = Coalesce(
            Cast("vote_sum", FloatField()) / NullIf(Cast("vote_count", FloatField()), 0.0), 0.0
        )
        queryset = queryset.annotate(average=average)
    return queryset.order_by(*SORTS.get(sort, SORTS["title"]))


def agent_search(
    user: Any,
    query: str,
    *,
    language: str = "",
    category: Category | None = None,
    limit: int = 50,
) -> list[FaqItem]:
    items = _words_match(agent_items(user).filter(valid=True), "search_text", query)
    if language in Language.values:
        items = items.filter(language=language)
    if category is not None:
        items = items.filter(
            Q(category=category) | Q(category__full_name__startswith=category.full_name + "::")
        )
    return list(items.order_by("-changed", "-number")[:limit])


def category_tree(user: Any) -> list[tuple[Category, int]]:
    """The categories ``user`` reads, in tree order, with the count of valid articles."""
    categories = (
        permissions.faq_categories(user, "ro")
        .filter(valid=True)
        .annotate(count=Count("items", filter=Q(items__valid=True), distinct=True))
        .order_by("full_name")
    )
    return [(category, category.count) for category in categories]


def approval_queue(user: Any) -> QuerySet[FaqItem]:
    """Articles whose current version is not published (for approvers)."""
    return (
        agent_items(user)
        .filter(valid=True)
        .filter(Q(published__isnull=True) | ~Q(published__number=F("version")))
        .order_by("changed")
    )


def journal(user: Any, limit: int = 100) -> QuerySet[FaqHistory]:
    return (
        FaqHistory.objects.filter(item__in=agent_items(user))
        .select_related("item")
        .order_by("-created", "-id")[:limit]
    )


def recently_changed(user: Any, limit: int = 10) -> list[FaqItem]:
    return list(agent_items(user).filter(valid=True).order_by("-changed", "-number")[:limit])


def newest(user: Any, limit: int = 10) -> list[FaqItem]:
    return list(agent_items(user).filter(valid=True).order_by("-created", "-number")[:limit])


def top_rated(user: Any, limit: int = 10) -> list[FaqItem]:
    items = agent_items(user).filter(valid=True, vote_count__gt=0)
    return sorted(items, key=lambda i: (-(i.rating or 0), -i.vote_count, i.number))[:limit]


def translations(item: FaqItem) -> list[FaqItem]:
    """Every article of ``item``'s translation group, ``item`` included, by language."""
    head = item.head()
    group = FaqItem.objects.filter(Q(pk=head.pk) | Q(original=head)).select_related("category")
    return sorted(group, key=lambda i: i.language)


# ---------------------------------------------------------------------------------------
# Customers and the public: published versions only.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedArticle:
    """What customers and the public see: the published version, never the draft."""

    item: FaqItem
    number: int
    title: str
    keywords: str
    language: str
    symptom: str
    problem: str
    solution: str
    comment: str
    attachments: list[FaqAttachment]

    @property
    def slug(self) -> str:
        return self.item.slug


def published_attachments(item: FaqItem) -> QuerySet[FaqAttachment]:
    """The files of the published version: a file added later is not there until the
    version holding it is approved. Versions written before files were versioned list
    none; for them, the files that existed when they were saved."""
    if item.published is None:
        return FaqAttachment.objects.none()
    files = item.published.data.get(ATTACHMENTS_KEY)
    if files is None:
        return item.attachments.filter(created__lte=item.published.created)
    return item.attachments.filter(pk__in=files)


def published_items(*, customer: bool) -> QuerySet[FaqItem]:
    return permissions.faq_published_items(
        FaqItem.objects.select_related("category", "published"), customer=customer
    )


def published_article(number: int, *, customer: bool) -> PublishedArticle:
    item = published_items(customer=customer).filter(number=number).first()
    if item is None or item.published is None:
        raise NotFound(_("No FAQ article with number %(number)s."), number=number)
    data = item.published.data
    return PublishedArticle(
        item=item,
        number=item.number,
        title=data["title"],
        keywords=data["keywords"],
        language=data["language"],
        symptom=data["symptom"],
        problem=data["problem"],
        solution=data["solution"],
        comment=data["comment"],
        attachments=list(published_attachments(item)),
    )


def published_search(
    query: str,
    *,
    customer: bool,
    languages: Sequence[str] = (),
    category: Category | None = None,
    limit: int = 50,
) -> list[FaqItem]:
    items = _words_match(published_items(customer=customer), "published_search", query)
    if languages:
        items = items.filter(language__in=list(languages))
    if category is not None:
        items = items.filter(
            Q(category=category) | Q(category__full_name__startswith=category.full_name + "::")
        )
    return list(items.order_by("-published_at", "-number")[:limit])


def suggestions(text: str, *, customer: bool, category: Category | None = None) -> list[FaqItem]:
    """Up to 5 published articles for a request form's subject and description: those
    holding every word first (a selective index lookup), then, when fewer than 5 do,
    those holding the most of its words among the newest that hold any; from the form's
    FAQ category when it names one."""
    found = list(dict.fromkeys(w for w in words(text) if len(w) > 2))[:MAX_QUERY_WORDS]
    if not found:
        return []
    base = published_items(customer=customer)
    if category is not None:
        base = base.filter(
            Q(category=category) | Q(category__full_name__startswith=category.full_name + "::")
        )
    # Only the columns the suggestion list shows and ranks by (no version content).
    base = base.select_related(None).only(
        "number", "published_title", "published_search", "published_visibility", "title"
    )
    newest = ("-published_at", "-number")
    chosen = list(_fulltext(base, "published_search", found).order_by(*newest)[:5])
    if len(chosen) == 5 or len(found) == 1:
        return chosen
    anywhere = _fulltext(base, "published_search", found, any_word=True)
    candidates = list(anywhere.exclude(pk__in=[i.pk for i in chosen]).order_by(*newest)[:50])

    def score(item: FaqItem) -> tuple[int, int]:
        present = set(item.published_search.split())
        hits = sum(1 for word in found if word in present)
        return (-hits, -item.number)

    return (chosen + sorted(candidates, key=score))[:5]


@dataclass(frozen=True)
class PublishedLists:
    """The FAQ's front lists for customers and the public."""

    top: list[FaqItem]
    newest: list[FaqItem]
    changed: list[FaqItem]


def published_lists(
    *, customer: bool, languages: Sequence[str] = (), limit: int = 10
) -> PublishedLists:
    """Top rated, newest (by creation) and recently changed (by publication) of the
    published articles, in ``languages`` when given."""
    items = published_items(customer=customer).select_related(None)
    if languages:
        items = items.filter(language__in=list(languages))
    rated = items.filter(vote_count__gt=0).annotate(
        average=Cast("vote_sum", FloatField()) / Cast("vote_count", FloatField())
    )
    return PublishedLists(
        top=list(rated.order_by("-average", "-vote_count", "number")[:limit]),
        newest=list(items.order_by("-created", "-number")[:limit]),
        changed=list(items.order_by("-published_at", "-number")[:limit]),
    )


def public_categories(*, customer: bool) -> list[tuple[Category, int]]:
    counts = (
        published_items(customer=customer)
        .values("category")
        .annotate(count=Count("pk"))
        .values_list("category", "count")
    )
    by_id = dict(counts)
    categories = Category.objects.filter(pk__in=by_id, valid=True).order_by("full_name")
    return [(category, by_id[category.pk]) for category in categories]


def item_by_number(number: int) -> FaqItem | None:
    return FaqItem.objects.filter(number=number).select_related("category").first()
