"""The zoom's article list and article cards, rendered in Python.

A ticket of a hundred articles costs the template engine (and even ``format_html``,
whose lazy-string checks dominate at this size) hundreds of milliseconds. Here every
label is translated once per request, every URL reversed once per ticket, every date
format looked up once, and each value goes through the standard library's HTML escape.
The markup is what the templates would write; nothing is emitted unescaped except the
article HTML that nh3 has already sanitized.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from sportello.tickets.articles import has_raw_message
from sportello.tickets.models import Channel, SenderType, Ticket
from sportello.web.zoom import ArticleView

_SLOT = 987654321
DASH = "\N{EN DASH}"


@dataclass
class Context:
    ticket: Ticket
    csrf_token: str
    labels: dict[str, str]
    channels: dict[str, str]
    senders: dict[str, str]
    url: dict[str, Callable[[int], str]]
    date_format: str
    # May the agent act on articles (rw), and does another agent hold the lock?
    may_act: bool = False
    locked_by_other: bool = False
    dates: dict[datetime, str] = field(default_factory=dict)


def _url_pattern(name: str, *args: str) -> Callable[[int], str]:
    pattern = escape(reverse(name, args=[args[0], _SLOT, *args[1:]]))
    return lambda value: pattern.replace(str(_SLOT), str(value))


# The article dialogs each channel offers: a reply goes to the customer, so internal
# notes have none; reply-all needs the mail's recipient lists; bounce needs the
# original message (checked per article).
_CUSTOMER_CHANNELS = (Channel.EMAIL, Channel.PHONE, Channel.WEB)
ARTICLE_DIALOGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reply", _CUSTOMER_CHANNELS),
    ("reply-all", (Channel.EMAIL,)),
    ("forward", tuple(Channel.values)),
    ("bounce", (Channel.EMAIL,)),
    ("split", tuple(Channel.values)),
)


def article_dialogs(channel: str, has_source: bool) -> list[str]:
    """The dialogs of an article's menu, in menu order."""
    return [
        name
        for name, channels in ARTICLE_DIALOGS
        if channel in channels and (name != "bounce" or has_source)
    ]


def context(
    ticket: Ticket, csrf_token: str, *, may_act: bool = False, locked_by_other: bool = False
) -> Context:
    names = ("article-mark", "article-print", "article-raw", "article-eml", "attachment")
    labels = {
        "internal": _("internal"),
        "visible": _("visible for the customer"),
        "new": _("new"),
        "from": _("From"),
        "to": _("To"),
        "cc": _("Cc"),
        "subject": _("Subject"),
        "print": _("Print"),
        "raw": _("Raw source"),
        "eml": _("Download .eml"),
        "preview": _("Preview"),
        "attachments": _("Attachments"),
        "mark": _("Mark"),
        "unmark": _("Unmark"),
        "mark_title": _("Mark (highlight) this article for yourself"),
        "jump": _("Jump to the article"),
        "only": _("Show only this article"),
        "delivery": _("Delivery"),
        "menu": _("Article actions"),
        "reply": _("Reply"),
        "reply-all": _("Reply to all"),
        "forward": _("Forward"),
        "bounce": _("Bounce"),
        "split": _("Split"),
        "locked": _("Locked by another agent"),
    }
    url = {name: _url_pattern(f"web:{name}", ticket.number) for name in names}
    for name, _channels in ARTICLE_DIALOGS:
        # Lock-taking dialogs open through a POST (it takes the lock); split is a link.
        view = "actions:article-dialog" if name == "split" else "actions:article-open"
        url[name] = _url_pattern(view, ticket.number, name)
    return Context(
        ticket=ticket,
        csrf_token=escape(csrf_token),
        labels={key: escape(str(value)) for key, value in labels.items()},
        channels={value: escape(str(label)) for value, label in Channel.choices},
        senders={value: escape(str(label)) for value, label in SenderType.choices},
        url=url,
        date_format=str(formats.get_format("SHORT_DATETIME_FORMAT")),
        may_act=may_act,
        locked_by_other=locked_by_other,
    )


def _when(ctx: Context, value: datetime) -> str:
    # Each date is shown twice (list row and card): formatted once.
    shown = ctx.dates.get(value)
    if shown is None:
        shown = ctx.dates[value] = escape(
            dateformat.format(timezone.localtime(value), ctx.date_format)
        )
    return shown


def _short(text: str, limit: int) -> str:
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def _icon(name: str, label: str = "") -> str:
    aria = f' aria-label="{label}"' if label else ""
    return f'<svg class="icon"{aria}><use href="#i-{escape(name)}"/></svg>'


def _classes(*pairs: tuple[str, bool]) -> str:
    return " ".join(name for name, on in pairs if on)


def _label(table: dict[str, str], value: str) -> str:
    return table.get(value) or escape(value)


def rows(ctx: Context, views: Iterable[ArticleView]) -> SafeString:
    labels = ctx.labels
    parts = []
    for view in views:
        a = view.article
        badges = ""
        if not a.visible_for_customer:
            badges += f'<span class="badge internal-badge">{labels["internal"]}</span>'
        if view.unseen:
            badges += f'<span class="badge unseen-badge">{labels["new"]}</span>'
        css = _classes(
            ("unseen", view.unseen),
            ("marked", view.marked),
            ("internal", not a.visible_for_customer),
        )
        parts.append(
            f'<tr class="{css}"><td><a href="#article-{a.number}" title="{labels["jump"]}">'
            f"{a.number}</a></td>"
            f'<td class="kind">{_icon(a.channel, _label(ctx.channels, a.channel))}'
            f"{_icon(a.sender_type, _label(ctx.senders, a.sender_type))}{badges}</td>"
            f"<td>{_short(a.from_address, 40)}</td>"
            f'<td><a href="?article={a.number}#article-{a.number}" title="{labels["only"]}">'
            f"{_short(a.subject or DASH, 60)}</a></td><td>{_when(ctx, a.created)}</td></tr>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - every value above is escaped


def mark_button(ctx: Context, number: int, marked: bool) -> SafeString:
    url = ctx.url["article-mark"](number)
    labels = ctx.labels
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<form method="post" action="{url}" class="inline mark-form" hx-post="{url}" '
        f'hx-swap="outerHTML"><input type="hidden" name="csrfmiddlewaretoken" '
        f'value="{ctx.csrf_token}"><button type="submit" class="link{" marked" if marked else ""}"'
        f' aria-pressed="{"true" if marked else "false"}" title="{labels["mark_title"]}">'
        f'<svg class="icon"><use href="#i-star"/></svg> '
        f"{labels['unmark'] if marked else labels['mark']}</button></form>"
    )


def _dialog_item(ctx: Context, name: str, number: int) -> str:
    url, label = ctx.url[name](number), ctx.labels[name]
    if name == "split":
        return f'<li><a href="{url}">{label}</a></li>'
    disabled = f' disabled title="{ctx.labels["locked"]}"' if ctx.locked_by_other else ""
    return (
        f'<li><form method="post" action="{url}" class="inline">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{ctx.csrf_token}">'
        f'<button type="submit" data-action="{name}"{disabled}>{label}</button></form></li>'
    )


def article_menu(ctx: Context, view: ArticleView) -> str:
    """Reply, reply all, forward, bounce, split (those the channel offers, for agents who
    may act), print, raw view and .eml (mails), mark."""
    a, labels = view.article, ctx.labels
    n, source = a.number, has_raw_message(a)
    items = []
    if ctx.may_act:
        items = [_dialog_item(ctx, name, n) for name in article_dialogs(a.channel, source)]
    items.append(f'<li><a href="{ctx.url["article-print"](n)}">{labels["print"]}</a></li>')
    if source:
        items.append(f'<li><a href="{ctx.url["article-raw"](n)}">{labels["raw"]}</a></li>')
        items.append(f'<li><a href="{ctx.url["article-eml"](n)}">{labels["eml"]}</a></li>')
    items.append(f"<li>{mark_button(ctx, n, view.marked)}</li>")
    return (
        f'<ul class="article-menu" aria-label="{labels["menu"]} #{n}" data-article="{n}">'
        f"{''.join(items)}</ul>"
    )


def _addresses(ctx: Context, view: ArticleView) -> str:
    a, labels = view.article, ctx.labels
    pairs = (("from", a.from_address), ("to", a.to_address), ("cc", a.cc_address))
    items = [f"<dt>{labels[key]}</dt><dd>{escape(value)}</dd>" for key, value in pairs if value]
    items.append(f"<dt>{labels['subject']}</dt><dd>{escape(a.subject or DASH)}</dd>")
    items.extend(
        f'<dt class="article-field">{escape(label)}</dt>'
        f'<dd class="article-field">{escape(shown)}</dd>'
        for label, shown in view.fields
    )
    return "".join(items)


def _attachments(ctx: Context, view: ArticleView) -> str:
    if not view.attachments:
        return ""
    url = ctx.url["attachment"]
    items = []
    for item in view.attachments:
        att = item.attachment
        preview = (
            f' · <a href="{url(att.pk)}?inline=1" target="_blank" rel="noopener">'
            f"{ctx.labels['preview']}</a>"
            if item.preview
            else ""
        )
        items.append(
            f'<li><a href="{url(att.pk)}" download>{escape(att.filename)}</a> '
            f"({escape(str(filesizeformat(att.size)))}){preview}</li>"
        )
    return f'<ul class="attachments" aria-label="{ctx.labels["attachments"]}">{"".join(items)}</ul>'


def card(ctx: Context, view: ArticleView) -> str:
    a, labels = view.article, ctx.labels
    n = a.number
    if a.visible_for_customer:
        visibility = f'<span class="badge visible-badge">{labels["visible"]}</span>'
    else:
        visibility = f'<span class="badge internal-badge">{labels["internal"]}</span>'
    unseen = f'<span class="badge unseen-badge">{labels["new"]}</span>' if view.unseen else ""
    delivery = "".join(
        f'<div class="delivery delivery-{escape(out.status)}">{labels["delivery"]}: '
        f"{escape(str(out.get_status_display()))}"
        f"{escape(' — ' + out.last_error) if out.last_error else ''}</div>"
        for out in view.deliveries
    )
    if view.html is not None:
        body = f'<div class="body body-html">{view.html.html}</div>'  # sanitized by nh3
    else:
        body = f'<pre class="body">{escape(a.body)}</pre>'
    css = _classes(
        ("card article", True),
        ("internal", not a.visible_for_customer),
        ("marked", view.marked),
        ("unseen", view.unseen),
    )
    return (
        f'<article class="{css}" id="article-{n}" data-article="{n}" tabindex="-1"><header>'
        f'<div class="article-title"><strong>#{n}</strong> '
        f"{_icon(a.channel)} {_label(ctx.channels, a.channel)} · "
        f"{_icon(a.sender_type)} {_label(ctx.senders, a.sender_type)} {visibility} {unseen}"
        f'<time datetime="{a.created.isoformat()}">{_when(ctx, a.created)}</time></div>'
        f'<dl class="addresses">{_addresses(ctx, view)}</dl>'
        f"{article_menu(ctx, view)}</header>"
        f"{delivery}{body}{_attachments(ctx, view)}</article>"
    )


def cards(ctx: Context, views: Iterable[ArticleView]) -> SafeString:
    return mark_safe("\n".join(card(ctx, view) for view in views))  # noqa: S308 - escaped
