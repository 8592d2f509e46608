"""Links between tickets, merge and split."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput, NotFound
from sportello.queues.models import Queue
from sportello.tickets import events
from sportello.tickets.actions._base import _locked_ticket, _publish, _touch
from sportello.tickets.actions.create import add_article, create_ticket
from sportello.tickets.actions.dialogs import _note_input
from sportello.tickets.actions.locking import _take_lock, unlock
from sportello.tickets.articles import (
    ArticleInput,
    AttachmentInput,
)
from sportello.tickets.history import record
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    Article,
    LinkType,
    State,
    StateType,
    Ticket,
    TicketLink,
)


def link(
    source: Ticket, target: Ticket, *, actor: Actor, type: str = LinkType.NORMAL
) -> TicketLink:
    """Link two tickets (parent/child: ``source`` is the parent); one Link row on each."""
    if source.pk == target.pk:
        raise InvalidInput(_("A ticket cannot be linked to itself."))
    if type not in LinkType.values:
        raise InvalidInput(_("Unknown link type: %(name)s"), name=type)
    with transaction.atomic():
        first, second = sorted([source, target], key=lambda t: t.pk)
        locked = {t.pk: _locked_ticket(t) for t in (first, second)}
        for ticket in locked.values():
            permissions.require(actor.user, "rw", ticket.queue)
        existing = TicketLink.objects.filter(source=source, target=target, type=type).first()
        if existing is not None:
            return existing
        created = TicketLink.objects.create(source=source, target=target, type=type)
        for this, other in ((source, target), (target, source)):
            current = locked[this.pk]
            _touch(current, actor)
            record(current, HistoryType.LINK, actor=actor, new=other.number, comment=type)
            _publish(events.TicketLinked, current, actor, "link", "", other.number)
    return created


def unlink(source: Ticket, target: Ticket, *, actor: Actor, type: str | None = None) -> int:
    """Remove the links between two tickets (of ``type``, or all); one Unlink row on each
    per removed link. Returns how many links were removed."""
    with transaction.atomic():
        first, second = sorted([source, target], key=lambda t: t.pk)
        locked = {t.pk: _locked_ticket(t) for t in (first, second)}
        for ticket in locked.values():
            permissions.require(actor.user, "rw", ticket.queue)
        links = TicketLink.objects.filter(
            Q(source=source, target=target) | Q(source=target, target=source)
        )
        if type is not None:
            links = links.filter(type=type)
        removed = list(links)
        for item in removed:
            item.delete()
            for this, other in ((source, target), (target, source)):
                current = locked[this.pk]
                _touch(current, actor)
                record(
                    current, HistoryType.UNLINK, actor=actor, old=other.number, comment=item.type
                )
                _publish(events.TicketLinked, current, actor, "link", other.number, "")
    return len(removed)


def record_object_link(ticket: Ticket, label: str, *, actor: Actor, linked: bool) -> None:
    """The ticket's side of a link to another kind of object (an FAQ article, ``label``
    ``FAQ#1004``): rw on the ticket, one Link or Unlink row, the event. The caller
    stores the link itself inside the same transaction."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "rw", current.queue)
        _touch(current, actor)
        if linked:
            record(current, HistoryType.LINK, actor=actor, new=label, comment="object")
            _publish(events.TicketLinked, current, actor, "link", "", label)
        else:
            record(current, HistoryType.UNLINK, actor=actor, old=label, comment="object")
            _publish(events.TicketLinked, current, actor, "link", label, "")


def merge(source: Ticket, target: Ticket, *, actor: Actor, note_body: str = "") -> Ticket:
    """Merge ``source`` into ``target``: its articles move to the target (all renumbered in
    chronological order), the source keeps a note pointing to the target and state merged;
    both histories record it. Returns the target."""
    if source.pk == target.pk:
        raise InvalidInput(_("A ticket cannot be merged into itself."))
    merged = State.objects.filter(type=StateType.MERGED, valid=True).order_by("pk").first()
    if merged is None:
        raise InvalidInput(_("There is no valid merged state."))
    with transaction.atomic():
        first, second = sorted([source, target], key=lambda t: t.pk)
        locked = {t.pk: _locked_ticket(t) for t in (first, second)}
        src, dst = locked[source.pk], locked[target.pk]
        if not permissions.may(actor.user, "ro", dst.queue):
            raise NotFound(_("No ticket with number %(number)s."), number=dst.number)
        permissions.require(actor.user, "rw", src.queue)
        permissions.require(actor.user, "rw", dst.queue)
        for ticket in (src, dst):
            if ticket.state.type == StateType.MERGED:
                raise Conflict(
                    _("Ticket %(number)s is already merged and cannot take part in a merge."),
                    number=ticket.number,
                )
        src = _take_lock(src, actor)
        _renumber_into(dst, moved=list(src.articles.all()))
        for ticket in (src, dst):  # a held row's newest article number is stale now
            ticket.__dict__.pop("last_article", None)
        add_article(
            src,
            _note_input(
                actor,
                "\n\n".join(
                    filter(
                        None,
                        [
                            str(_("This ticket was merged into Ticket#%(number)s."))
                            % {"number": dst.number},
                            note_body.strip(),
                        ],
                    )
                ),
                str(_("Merged")),
            ),
            actor=actor,
        )
        old_state = src.state
        src.state, src.merged_into = merged, dst
        _touch(src, actor, "state", "merged_into")
        record(src, HistoryType.MERGED, actor=actor, old=src.number, new=dst.number)
        record(src, HistoryType.STATE_UPDATE, actor=actor, old=old_state.name, new=merged.name)
        _publish(events.TicketMerged, src, actor, "merged_into", src.number, dst.number)
        _publish(events.TicketStateChanged, src, actor, "state", old_state.name, merged.name)
        unlock(src, actor=actor)
        _touch(dst, actor)
        record(dst, HistoryType.MERGED, actor=actor, old=src.number, new=dst.number)
        _publish(events.TicketMerged, dst, actor, "merged_from", src.number, dst.number)
    return dst


def _renumber_into(target: Ticket, *, moved: list[Article]) -> None:
    """Give ``moved`` to ``target`` and number all of its articles by creation time.

    Two passes, because (ticket, number) is unique at every moment."""
    existing = list(target.articles.all())
    everything = sorted([*existing, *moved], key=lambda a: (a.created, a.ticket_id, a.number))
    offset = 1 + max((a.number for a in everything), default=0)
    ids = [a.pk for a in everything]
    Article.objects.filter(pk__in=ids).update(number=F("number") + offset)
    for position, article in enumerate(everything, start=1):
        Article.objects.filter(pk=article.pk).update(ticket=target, number=position)


def split(
    article: Article,
    *,
    actor: Actor,
    title: str,
    queue: Queue,
    link_type: str = LinkType.PARENT_CHILD,
) -> Ticket:
    """A new ticket from a copy of ``article``, linked to the original (the original is the
    parent); both histories record it."""
    original = article.ticket
    if not title.strip():
        raise InvalidInput(_("The title must not be empty."))
    with transaction.atomic():
        current = _locked_ticket(original)
        permissions.require(actor.user, "ro", current.queue)
        if current.state.type == StateType.MERGED:
            raise Conflict(_("Ticket %(number)s was merged."), number=current.number)
        copies = []
        for attachment in article.attachments.all():
            with attachment.file.open("rb") as handle:
                copies.append(
                    AttachmentInput(
                        attachment.filename,
                        attachment.content_type,
                        handle.read(),
                        attachment.content_id,
                        attachment.inline,
                    )
                )
        new = create_ticket(
            title=title,
            queue=queue,
            actor=actor,
            customer_user_id=current.customer_user_id,
            customer_company_id=current.customer_company_id,
            priority=current.priority,
            type=current.type,
            article=ArticleInput(
                channel=article.channel,
                sender_type=article.sender_type,
                visible_for_customer=article.visible_for_customer,
                from_address=article.from_address,
                to_address=article.to_address,
                cc_address=article.cc_address,
                subject=article.subject,
                body=article.body,
                body_html=article.body_html,
                created=article.created,
                attachments=copies,
                history_comment=str(_("Split from Ticket#%(number)s."))
                % {"number": current.number},
            ),
        )
        _touch(current, actor)
        record(current, HistoryType.SPLIT, actor=actor, article=article, new=new.number)
        link(current, new, actor=actor, type=link_type)
    return new
