"""The rows of the overview tables, rendered in Python.

A dashboard shows five ticket tables of up to 50 rows and a dozen columns; an include
per cell cost the template engine most of the page's time. As in ``zoom_render``,
labels and the date format are looked up once, the ticket URL reversed once, and every
value goes through the standard library's HTML escape.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from sportello.sla.services import due_times, prefetch_for_due_times
from sportello.tickets.dynamic_fields import shown_cell
from sportello.web.dashboard import DF_COLUMN

_SLOT = "0000000000000000"
DUE_TEMPLATE = "sla/due_compact.html"


class _Dates:
    def __init__(self) -> None:
        self.format = str(formats.get_format("SHORT_DATETIME_FORMAT"))

    def __call__(self, value: datetime | None) -> str:
        return dateformat.format(timezone.localtime(value), self.format) if value else ""


def _name(user: Any) -> str:
    # With the absence while out of office, as agents are listed elsewhere.
    return str(user.listed_name) if user is not None else ""


def _busy(table: Any) -> Callable[[Any], str]:
    """Who else works on the ticket now: appended to the title cell."""

    def marker(t: Any) -> str:
        shown = table.presence.get(t.pk)
        if not shown:
            return ""
        text = "; ".join(escape(p.text) for p in shown)
        return f' <span class="presence-marker">{text}</span>'

    return marker


def _cells(table: Any, url: Callable[[str], str], dates: _Dates) -> dict[str, Any]:
    news: set[int] = table.news
    busy = _busy(table)
    marker = f' <span class="news-marker" title="{escape(_("Unseen articles"))}">★</span>'
    return {
        "number": lambda t: (
            f'<a href="{url(t.number)}">{escape(t.number)}</a>' + (marker if t.pk in news else "")
        ),
        "title": lambda t: escape(t.title) + busy(t),
        "queue": lambda t: escape(t.queue.full_name),
        "state": lambda t: escape(str(t.state)),
        "priority": lambda t: (
            f'<span class="prio" data-priority="{escape(t.priority.name[:1])}">'
            f"{escape(str(t.priority))}</span>"
        ),
        "owner": lambda t: escape(_name(t.owner)),
        "responsible": lambda t: escape(_name(t.responsible)),
        "customer": lambda t: escape(t.customer_user_id),
        "lock": lambda t: escape(str(t.get_lock_display())),
        "created": lambda t: escape(dates(t.created)),
        "changed": lambda t: escape(dates(t.changed)),
        "pending": lambda t: escape(dates(t.pending_until)),
        # The SLA app's compact rendering (autoescaped template, cached when compiled).
        "due": lambda t: render_to_string(DUE_TEMPLATE, {"due_times": due_times(t)}),
        "service": lambda t: escape(t.service.full_name if t.service_id else ""),
        "sla": lambda t: escape(t.sla.name if t.sla_id else ""),
    }


def _dynamic_cell(table: Any, key: str) -> Callable[[Any], str]:
    field = table.fields[key[len(DF_COLUMN) :]]
    return lambda t: escape(shown_cell(table.dynamic, t.pk, field))


def rows(table: Any, *, select: bool = False, latest: bool = False) -> SafeString:
    """The ``<tr>`` rows of ``table`` (an ``overview_data.TicketTable``): its columns,
    with ``select`` a checkbox first, with ``latest`` a row with the latest article."""
    pattern = escape(reverse("web:ticket", args=[_SLOT]))
    dates = _Dates()
    cells = _cells(table, lambda number: pattern.replace(_SLOT, escape(number)), dates)
    columns = [
        _dynamic_cell(table, key) if key.startswith(DF_COLUMN) else cells[key]
        for key, _label in table.columns
    ]
    if any(key == "due" for key, _label in table.columns):
        prefetch_for_due_times(list(table.rows))
    select_label = _("Select ticket %(number)s")
    out: list[str] = []
    for ticket in table.rows:
        out.append(f'<tr data-ticket="{escape(ticket.number)}">')
        if select:
            label = escape(select_label % {"number": ticket.number})
            out.append(
                f'<td><input type="checkbox" name="ticket" value="{ticket.pk}"'
                f' aria-label="{label}"></td>'
            )
        out.extend(f"<td>{cell(ticket)}</td>" for cell in columns)
        out.append("</tr>")
        article = getattr(ticket, "latest_article", None) if latest else None
        if article is not None:
            out.append(_latest(article, len(columns), dates))
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def _latest(article: Any, span: int, dates: _Dates) -> str:
    body = article.body if len(article.body) <= 1200 else article.body[:1199] + "…"
    return (
        f'<tr class="latest-article"><td></td><td colspan="{span}">'
        f"<strong>{escape(article.subject)}</strong> "
        f'<span class="muted">{escape(article.from_address)} · {escape(dates(article.created))}'
        f'</span><pre class="article-text">{escape(body)}</pre></td></tr>'
    )
