from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WidgetSetting(models.Model):
    """One agent's settings of one overview widget (dashboard widgets, the queue view):
    place, removed or not, rows per page, visible columns, sort, tab, density, filter."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="widget_settings",
    )
    widget = models.CharField(_("widget"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    removed = models.BooleanField(_("removed"), default=False)
    per_page = models.PositiveSmallIntegerField(_("rows per page"), default=10)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    sort = models.CharField(_("sort"), max_length=30, blank=True)
    tab = models.CharField(_("tab"), max_length=30, blank=True)
    density = models.CharField(_("density"), max_length=1, blank=True)
    # The saved filter of a ticket list widget: {"queues": [ids], "states": [ids],
    # "priorities": [ids], "types": [ids], "lock": "lock" | "unlock" | ""}.
    filters = models.JSONField(_("filter"), default=dict, blank=True)

    class Meta:
        verbose_name = _("widget setting")
        verbose_name_plural = _("widget settings")
        constraints = [
            models.UniqueConstraint(fields=["agent", "widget"], name="widget_setting_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id}/{self.widget}"


class FormUpload(models.Model):
    """A file an agent added to a form that has not been sent yet (the per-form upload
    cache): a form that comes back with an error still lists it, and the agent may
    remove it before sending. ``form_id`` is the form's random id; rows older than
    ``SPORTELLO_FORM_UPLOAD_HOURS`` are purged by the ``form-uploads`` job."""

    form_id = models.CharField(_("form"), max_length=64)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    filename = models.CharField(_("filename"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    file = models.FileField(_("file"), upload_to="form-uploads/%Y/%m/%d")
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form upload")
        verbose_name_plural = _("form uploads")
        indexes = [models.Index(fields=["agent", "form_id"], name="form_upload_form")]

    def __str__(self) -> str:
        return self.filename
