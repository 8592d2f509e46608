"""Printable PDFs of a ticket (every article, internal ones marked) and of one article.

fpdf2 writes the PDF in pure Python; DejaVu Sans (Debian's fonts-dejavu-core, folder
configurable with SPORTELLO_PDF_FONT_DIR) covers umlauts, accents and most scripts.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sportello.core.errors import Conflict
from sportello.kb.models import CONTENT_FIELDS, FaqItem
from sportello.tickets.models import Article, Ticket
from sportello.web.faq_render import field_text

FONT = "DejaVu"


def font_dir() -> Path:
    return Path(settings.SPORTELLO_PDF_FONT_DIR)


def _document(title: str) -> FPDF:
    folder = font_dir()
    regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    if not regular.exists() or not bold.exists():
        raise Conflict(_("The PDF font is not installed (%(path)s)."), path=str(regular))
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Sportello")
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def _when(value: object) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")  # type: ignore[arg-type]


def _line(pdf: FPDF, text: str, *, size: float = 10, bold: bool = False, height: float = 5) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _ticket_header(pdf: FPDF, ticket: Ticket) -> None:
    _line(pdf, f"{settings.SPORTELLO_TICKET_HOOK}{ticket.number}", size=9)
    _line(pdf, ticket.title or _("(no title)"), size=15, bold=True, height=8)
    rows = [
        (_("State"), str(ticket.state)),
        (_("Queue"), ticket.queue.full_name),
        (_("Priority"), str(ticket.priority)),
        (_("Type"), str(ticket.type)),
        (_("Lock"), ticket.get_lock_display()),
        (_("Owner"), ticket.owner.display_name),
        (_("Responsible"), ticket.responsible.display_name if ticket.responsible else "-"),
        (_("Customer user"), ticket.customer_user_id or "-"),
        (_("Created"), _when(ticket.created)),
    ]
    for label, value in rows:
        _line(pdf, f"{label}: {value}", size=9, height=4.5)
    pdf.ln(3)


def _article(pdf: FPDF, article: Article) -> None:
    visibility = _("visible for the customer") if article.visible_for_customer else _("internal")
    heading = (
        f"#{article.number} · {article.get_channel_display()} · "
        f"{article.get_sender_type_display()} · {visibility}"
    )
    pdf.set_draw_color(180, 180, 180)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1)
    _line(pdf, heading, size=11, bold=True, height=6)
    for label, value in (
        (_("Created"), _when(article.created)),
        (_("From"), article.from_address),
        (_("To"), article.to_address),
        (_("Cc"), article.cc_address),
        (_("Subject"), article.subject),
    ):
        if value:
            _line(pdf, f"{label}: {value}", size=9, height=4.5)
    pdf.ln(1)
    _line(pdf, article.body.replace("\r\n", "\n") or "-", size=10)
    names = [a.filename for a in article.attachments.all()]
    if names:
        _line(pdf, _("Attachments") + ": " + ", ".join(names), size=9)
    pdf.ln(3)


def ticket_pdf(ticket: Ticket, articles: Iterable[Article]) -> bytes:
    pdf = _document(f"{ticket.number} {ticket.title}")
    _ticket_header(pdf, ticket)
    for article in articles:
        _article(pdf, article)
    return bytes(pdf.output())


def article_pdf(ticket: Ticket, article: Article) -> bytes:
    pdf = _document(f"{ticket.number} #{article.number}")
    _ticket_header(pdf, ticket)
    _article(pdf, article)
    return bytes(pdf.output())


def faq_pdf(item: FaqItem) -> bytes:
    """An FAQ article as the agent reads it (current version; a change awaiting approval
    is marked), its fields as text, its files by name."""
    pdf = _document(f"FAQ#{item.number} {item.title}")
    _line(pdf, f"FAQ#{item.number}", size=9)
    _line(pdf, item.title, size=15, bold=True, height=8)
    rows = [
        (_("Category"), item.category.full_name),
        (_("Language"), item.get_language_display()),
        (_("Visibility"), item.get_visibility_display()),
        (_("Version"), str(item.version) + (f" ({_('approval pending')})" if item.pending else "")),
        (_("Keywords"), item.keywords or "-"),
        (_("Changed"), _when(item.changed)),
    ]
    for label, value in rows:
        _line(pdf, f"{label}: {value}", size=9, height=4.5)
    pdf.ln(3)
    for name in CONTENT_FIELDS:
        text = field_text(getattr(item, name))
        if not text:
            continue
        label = str(getattr(FaqItem._meta.get_field(name), "verbose_name", name))
        _line(pdf, label[:1].upper() + label[1:], size=11, bold=True, height=6)
        _line(pdf, text, size=10)
        pdf.ln(2)
    names = [a.filename for a in item.attachments.all()]
    if names:
        _line(pdf, _("Attachments") + ": " + ", ".join(names), size=9)
    return bytes(pdf.output())
