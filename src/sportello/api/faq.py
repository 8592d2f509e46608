"""FAQ reads for agents: search, one article (404 when the agent may not read its
category), the category tree. Through ``kb.selectors``, so the permission module
decides what shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from sportello.api import auth
from sportello.api.schemas import ErrorOut
from sportello.kb import selectors
from sportello.kb.models import CONTENT_FIELDS, Language

router = Router(tags=["faq"])


class FaqCategoryOut(Schema):
    id: int
    full_name: str
    comment: str
    articles: int


class FaqSummaryOut(Schema):
    number: int
    title: str
    category: str
    language: str
    visibility: str
    changed: datetime
    pending_approval: bool
    rating: float | None
    votes: int


class FaqArticleOut(FaqSummaryOut):
    keywords: str
    symptom: str = Field(description="HTML as stored; sanitize before showing it")
    problem: str
    solution: str
    comment: str
    version: int
    translations: list[int]
    attachments: list[str]


class FaqSearchIn(Schema):
    q: str = Field("", max_length=200)
    language: str = ""
    category: int | None = None
    limit: int = Field(50, ge=1, le=200)


def _summary(item: Any) -> dict[str, Any]:
    return {
        "number": item.number,
        "title": item.title,
        "category": item.category.full_name,
        "language": item.language,
        "visibility": item.visibility,
        "changed": item.changed,
        "pending_approval": item.pending,
        "rating": item.rating,
        "votes": item.vote_count,
    }


@router.get("/faq", response={200: list[FaqSummaryOut], codes_4xx: ErrorOut})
def faq_search(request: HttpRequest, filters: Query[FaqSearchIn]) -> Any:
    agent = auth.agent(request)
    category = None
    if filters.category is not None:
        category = next(
            (c for c, _n in selectors.category_tree(agent) if c.pk == filters.category), None
        )
        if category is None:
            return []
    language = filters.language if filters.language in Language.values else ""
    items = selectors.agent_search(
        agent, filters.q, language=language, category=category, limit=filters.limit
    )
    return [_summary(item) for item in items]


@router.get("/faq/categories", response={200: list[FaqCategoryOut], codes_4xx: ErrorOut})
def faq_categories(request: HttpRequest) -> Any:
    return [
        {"id": c.pk, "full_name": c.full_name, "comment": c.comment, "articles": count}
        for c, count in selectors.category_tree(auth.agent(request))
    ]


@router.get("/faq/{number}", response={200: FaqArticleOut, codes_4xx: ErrorOut})
def faq_article(request: HttpRequest, number: int) -> Any:
    agent = auth.agent(request)
    item = selectors.agent_item(agent, number)
    return {
        **_summary(item),
        "keywords": item.keywords,
        **{name: getattr(item, name) for name in CONTENT_FIELDS},
        "version": item.version,
        "translations": [t.number for t in selectors.translations(item) if t.pk != item.pk],
        "attachments": [a.filename for a in item.attachments.all()],
    }
