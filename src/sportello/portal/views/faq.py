"""The FAQ for customers (the portal: external and public articles) and for everyone
(``/faq/``: public articles, without login), the request forms' suggestions, the Atom
feed and the sitemap. Customers and the public read published versions only
(``kb.selectors.published_*``); an article they may not read answers 404, never 403."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import condition, require_GET, require_POST

from sportello.core.errors import DomainError, NotFound
from sportello.customers.models import CustomerUser
from sportello.kb import actions, selectors
from sportello.kb.models import Category, FaqItem
from sportello.portal import auth
from sportello.portal import selectors as portal_selectors
from sportello.portal.views.common import render
from sportello.web.faq_render import rendered_fields
from sportello.web.views.faq import attachment_response

# Public pages may be cached by browsers and proxies this long; a change shows after it.
PUBLIC_MAX_AGE = 300
LANGUAGES = ("de", "it", "en")


def _language(request: HttpRequest) -> str:
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in LANGUAGES else "en"


def _article(number: int, *, customer: bool) -> selectors.PublishedArticle:
    try:
        return selectors.published_article(number, customer=customer)
    except NotFound:
        raise Http404 from None


def _fields(article: selectors.PublishedArticle, url: Any) -> list[tuple[str, Any, Any]]:
    meta = FaqItem._meta
    rendered = rendered_fields(vars(article), article.attachments, url)
    return [(n, getattr(meta.get_field(n), "verbose_name", n), html) for n, html in rendered]


def _category(request: HttpRequest) -> Category | None:
    raw = request.GET.get("category", "")
    return Category.objects.filter(pk=int(raw), valid=True).first() if raw.isdigit() else None


def _listing(request: HttpRequest, *, customer: bool) -> dict[str, Any]:
    query = request.GET.get("q", "").strip()[:200]
    category = _category(request)
    everything = request.GET.get("all") == "1"
    languages = () if everything else (_language(request),)
    items = selectors.published_search(
        query, customer=customer, languages=languages, category=category
    )
    lists = None
    if not query and category is None:
        lists = selectors.published_lists(customer=customer, languages=languages)
    return {
        "query": query,
        "category": category,
        "lists": lists,
        "all_languages": everything,
        "categories": selectors.public_categories(customer=customer),
        "items": items,
    }


def _voter(request: HttpRequest, customer: CustomerUser | None) -> str:
    if customer is not None:
        return f"customer:{customer.login}"
    if not request.session.session_key:
        request.session.save()
    return f"session:{request.session.session_key}"


def _rate(request: HttpRequest, item: FaqItem, customer: CustomerUser | None) -> str:
    try:
        value = int(request.POST.get("rating", ""))
        counted = actions.rate(item, voter=_voter(request, customer), value=value)
    except (ValueError, DomainError):
        return "invalid"
    return "thanks" if counted else "again"


# ---------------------------------------------------------------------------------------
# Portal (logged-in customers: external and public articles)
# ---------------------------------------------------------------------------------------


@require_GET
@auth.customer_required
def portal_faq(request: HttpRequest) -> HttpResponse:
    return render(request, "faq_list.html", {**_listing(request, customer=True), "portal": True})


@require_GET
@auth.customer_required
def portal_article(request: HttpRequest, number: int) -> HttpResponse:
    article = _article(number, customer=True)
    context = {
        "article": article,
        "fields": _fields(article, lambda a: reverse("portal:faq-attachment", args=[number, a.pk])),
        "portal": True,
        "rated": request.GET.get("rated", ""),
        "request_form": _request_form(article.item),
    }
    return render(request, "faq_article.html", context)


@require_POST
@auth.customer_required
def portal_rate(request: HttpRequest, number: int) -> HttpResponse:
    article = _article(number, customer=True)
    outcome = _rate(request, article.item, auth.get_customer(request))
    return redirect(reverse("portal:faq-article", args=[number]) + f"?rated={outcome}")


@require_GET
@auth.customer_required
def portal_attachment(request: HttpRequest, number: int, pk: int) -> FileResponse:
    article = _article(number, customer=True)
    # Only the files of the published version (404 for one awaiting approval).
    attachment = next((a for a in article.attachments if a.pk == pk), None)
    if attachment is None:
        raise Http404
    return attachment_response(attachment)


def _request_form(item: FaqItem) -> Any:
    if not item.request_form_slug:
        return None
    try:
        form = portal_selectors.form_by_slug(item.request_form_slug)
    except Http404:
        return None
    return form if form.valid else None


# ---------------------------------------------------------------------------------------
# Public (anyone: public articles), cacheable
# ---------------------------------------------------------------------------------------


def _public(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    response.headers.setdefault("Vary", "Accept-Language, Cookie")
    return response


def _latest_public(request: HttpRequest, *args: Any, **kwargs: Any) -> datetime | None:
    latest = (
        selectors.published_items(customer=False)
        .order_by("-published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return latest


def _article_changed(request: HttpRequest, number: int, slug: str = "") -> datetime | None:
    item = selectors.published_items(customer=False).filter(number=number).first()
    return item.published_at if item is not None else None


def _article_etag(request: HttpRequest, number: int, slug: str = "") -> str | None:
    item = selectors.published_items(customer=False).filter(number=number).first()
    if item is None:
        return None
    seed = f"{item.number}:{item.published_id}:{item.vote_count}:{get_language()}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


@require_GET
def public_faq(request: HttpRequest) -> HttpResponse:
    context = {**_listing(request, customer=False), "portal": False}
    return _public(render(request, "faq_list.html", context))


@require_GET
def public_redirect(request: HttpRequest, number: int) -> HttpResponse:
    item = _article(number, customer=False).item
    return HttpResponsePermanentRedirect(reverse("faq:article", args=[item.number, item.slug]))


@require_GET
@condition(etag_func=_article_etag, last_modified_func=_article_changed)
def public_article(request: HttpRequest, number: int, slug: str) -> HttpResponse:
    article = _article(number, customer=False)
    if slug != article.slug:
        return HttpResponsePermanentRedirect(reverse("faq:article", args=[number, article.slug]))
    context = {
        "article": article,
        "fields": _fields(article, lambda a: reverse("faq:attachment", args=[number, a.pk])),
        "portal": False,
        "canonical": request.build_absolute_uri(reverse("faq:article", args=[number, slug])),
        "rated": request.GET.get("rated", ""),
        "request_form": _request_form(article.item),
    }
    response = render(request, "faq_article.html", context)
    if context["rated"]:
        return response
    return _public(response)


@csrf_exempt
@require_POST
def public_rate(request: HttpRequest, number: int) -> HttpResponse:
    """An anonymous vote, once per session. Without CSRF protection: the public page is
    cached for everyone, so it carries no token, and a forged vote acts for nobody but
    the browser's own anonymous session."""
    article = _article(number, customer=False)
    outcome = _rate(request, article.item, auth.get_customer(request))
    url = reverse("faq:article", args=[number, article.slug])
    return redirect(f"{url}?rated={outcome}")


@require_GET
def public_attachment(request: HttpRequest, number: int, pk: int) -> FileResponse:
    article = _article(number, customer=False)
    # Only the files of the published version (404 for one awaiting approval).
    attachment = next((a for a in article.attachments if a.pk == pk), None)
    if attachment is None:
        raise Http404
    response = attachment_response(attachment)
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


@require_GET
@condition(last_modified_func=_latest_public)
def public_feed(request: HttpRequest) -> HttpResponse:
    """Atom feed of the newest and latest changed public articles."""
    feed = Atom1Feed(
        title=_("Helpdesk FAQ"),
        link=request.build_absolute_uri(reverse("faq:index")),
        description=_("New and changed FAQ articles"),
        language=_language(request),
        feed_url=request.build_absolute_uri(reverse("faq:feed")),
    )
    items = selectors.published_items(customer=False).order_by("-published_at", "-number")[:50]
    for item in items:
        link = request.build_absolute_uri(reverse("faq:article", args=[item.number, item.slug]))
        feed.add_item(
            title=item.published_title,
            link=link,
            description=item.published.data.get("symptom", "") if item.published else "",
            unique_id=link,
            updateddate=item.published_at,
            pubdate=item.created,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return _public(response)


@require_GET
@condition(last_modified_func=_latest_public)
def public_sitemap(request: HttpRequest) -> HttpResponse:
    items = selectors.published_items(customer=False).order_by("number")
    urls = [
        (
            request.build_absolute_uri(reverse("faq:article", args=[item.number, item.slug])),
            item.published_at,
        )
        for item in items
    ]
    index = request.build_absolute_uri(reverse("faq:index"))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        f"<url><loc>{escape(index)}</loc></url>",
    ]
    lines += [
        f"<url><loc>{escape(loc)}</loc><lastmod>{changed.isoformat()}</lastmod></url>"
        for loc, changed in urls
        if changed is not None
    ]
    lines.append("</urlset>")
    response = HttpResponse("\n".join(lines), content_type="application/xml; charset=utf-8")
    return _public(response)


# ---------------------------------------------------------------------------------------
# Request forms: suggestions while typing
# ---------------------------------------------------------------------------------------


@require_GET
def form_suggestions(request: HttpRequest, slug: str) -> HttpResponse:
    """Up to 5 published articles matching the subject and description typed so far
    (htmx). Customers see external and public ones, everyone else public ones."""
    form = portal_selectors.form_by_slug(slug)
    if not form.valid:
        raise Http404
    customer = auth.get_customer(request)
    text = f"{request.GET.get('title', '')} {request.GET.get('description', '')}"[:2000]
    items = selectors.suggestions(text, customer=customer is not None, category=form.faq_category)
    links = []
    for item in items:
        url = (
            reverse("faq:article", args=[item.number, item.slug])
            if item.published_visibility == "public"
            else reverse("portal:faq-article", args=[item.number])
        )
        links.append((item, url))
    response = render(request, "faq_suggestions.html", {"links": links})
    patch_cache_control(response, private=True, no_store=True)
    return response


def opened_numbers(request: HttpRequest) -> list[int]:
    """The suggested FAQ articles the customer opened before sending the form."""
    raw = request.POST.get("faq_opened", "")
    return sorted({int(n) for n in raw.split(",") if n.strip().isdigit()})[:20]


def record_opened(request: HttpRequest, form: Any, ticket_number: str, anonymous: bool) -> None:
    """After a submission: which suggested articles the customer opened first."""
    from sportello.portal import services

    numbers = opened_numbers(request)
    visit = request.POST.get("faq_visit", "")
    if not services.VISIT_TOKEN.fullmatch(visit):
        visit = ""
    if numbers:
        services.record_faq_opened(
            form, numbers, ticket_number=ticket_number, anonymous=anonymous, visit=visit
        )


@csrf_exempt
@require_POST
def suggestion_opened(request: HttpRequest, slug: str) -> HttpResponse:
    """A suggested article opened from the form (sent by the page as it opens it), for
    the "opened and left" statistics. Without CSRF protection, as the embedded form
    that sends it has none: a forged event acts for nobody and only counts a view.
    Only an article the visitor may be suggested is recorded (404 otherwise)."""
    from sportello.portal import services

    form = portal_selectors.form_by_slug(slug)
    if not form.valid:
        raise Http404
    raw = request.POST.get("number", "")
    if not raw.isdigit():
        return HttpResponse(_("No FAQ article given."), status=400, content_type="text/plain")
    customer = auth.get_customer(request)
    _article(int(raw), customer=customer is not None)
    try:
        services.record_faq_view(
            form, int(raw), visit=request.POST.get("visit", ""), anonymous=customer is None
        )
    except DomainError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(status=204)
