from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleFlag(models.Model):
    """Per agent and article: seen (marked when the zoom shows it) and marked
    (the agent's own highlight). Not ticket data: no history, no event."""

    article = models.ForeignKey(
        "tickets.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    seen = models.BooleanField(_("seen"), default=False)
    marked = models.BooleanField(_("marked"), default=False)

    class Meta:
        verbose_name = _("article flag")
        verbose_name_plural = _("article flags")
        constraints = [
            models.UniqueConstraint(fields=["agent", "article"], name="article_flag_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id}/{self.article_id}"
