"""Where a new ticket came from: given by the caller that knows (the portal's request
forms, the GenericInterface), else told by the actor's channel and the first article."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sportello.tickets.models import Channel, OriginChannel, Ticket, TicketOrigin

if TYPE_CHECKING:
    from sportello.core.actor import Actor
    from sportello.tickets.articles import ArticleInput


@dataclass(frozen=True)
class Origin:
    channel: str = ""
    request_form_id: int | None = None
    request_form_name: str = ""
    faq_suggestion_opened: bool = False


_BY_ARTICLE = {
    Channel.EMAIL: OriginChannel.EMAIL,
    Channel.PHONE: OriginChannel.PHONE,
    Channel.WEB: OriginChannel.WEB,
}


def record(
    ticket: Ticket, origin: Origin | None, *, actor: Actor, article: ArticleInput | None
) -> TicketOrigin:
    given = origin or Origin()
    channel = given.channel
    if not channel:
        if actor.channel == "api":
            channel = OriginChannel.API
        elif article is not None:
            channel = _BY_ARTICLE.get(article.channel, OriginChannel.INTERNAL)  # type: ignore[call-overload]
        else:
            channel = OriginChannel.INTERNAL
    if channel not in OriginChannel.values:
        raise ValueError(f"unknown origin channel {channel!r}")
    return TicketOrigin.objects.create(
        ticket=ticket,
        channel=channel,
        request_form_id=given.request_form_id,
        request_form_name=given.request_form_name[:200],
        faq_suggestion_opened=given.faq_suggestion_opened,
    )
