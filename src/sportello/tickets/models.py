from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Audited, Created
from sportello.tickets.history_types import HistoryType


class StateType(models.TextChoices):
    NEW = "new", _("new")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")
    PENDING_REMINDER = "pending reminder", _("pending reminder")
    PENDING_AUTO = "pending auto", _("pending auto")
    MERGED = "merged", _("merged")
    REMOVED = "removed", _("removed")


PENDING_STATE_TYPES = (StateType.PENDING_REMINDER, StateType.PENDING_AUTO)


class State(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    type = models.CharField(_("state type"), max_length=30, choices=StateType.choices)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("state")
        verbose_name_plural = _("states")
        ordering = ["name"]

    def __str__(self) -> str:
        # Names are stored in English and translated when shown (see tickets/labels.py).
        return gettext(self.name)

    @property
    def is_pending(self) -> bool:
        return self.type in PENDING_STATE_TYPES


class Priority(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#cdcdcd")
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["name"]

    def __str__(self) -> str:
        return gettext(self.name)


class TicketType(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")
        ordering = ["name"]

    def __str__(self) -> str:
        return gettext(self.name)


class Lock(models.TextChoices):
    LOCK = "lock", _("locked")
    UNLOCK = "unlock", _("unlocked")


TITLE_MAX_LENGTH = 255


class Ticket(Audited):
    number = models.CharField(_("ticket number"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH, blank=True)
    # No single-column index on queue, state, owner and responsible: the composite indexes
    # of Meta lead with each of them, and every index is written on each ticket insert and
    # on each update (``changed`` is indexed, so no update is heap-only).
    queue = models.ForeignKey(
        "queues.Queue",
        verbose_name=_("queue"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    state = models.ForeignKey(
        State, verbose_name=_("state"), on_delete=models.PROTECT, db_index=False
    )
    priority = models.ForeignKey(Priority, verbose_name=_("priority"), on_delete=models.PROTECT)
    type = models.ForeignKey(TicketType, verbose_name=_("type"), on_delete=models.PROTECT)
    lock = models.CharField(_("lock"), max_length=10, choices=Lock.choices, default=Lock.UNLOCK)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_tickets",
        db_index=False,
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsible_tickets",
        db_index=False,
    )
    # Logins or plain addresses, as in OTRS: the customer backend (database, LDAP)
    # resolves them; an unknown sender is recorded by address.
    customer_user_id = models.CharField(_("customer user"), max_length=250, blank=True)
    customer_company_id = models.CharField(_("customer company"), max_length=150, blank=True)
    pending_until = models.DateTimeField(_("pending until"), null=True, blank=True)
    # Set by merging: later mail to this ticket goes to the target.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    archived = models.BooleanField(_("archived"), default=False, db_index=True)
    # Service levels (sportello.sla): the chosen service and SLA, the due times computed
    # in working time, the milestones they are computed from, and the reporting figures.
    service = models.ForeignKey(
        "sla.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    sla = models.ForeignKey(
        "sla.SLA",
        verbose_name=_("SLA"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    update_due = models.DateTimeField(_("update due"), null=True, blank=True)
    solution_due = models.DateTimeField(_("solution due"), null=True, blank=True)
    # The earliest warning or escalation not yet notified: what the sweep looks for.
    escalation_next_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bit mask of the thresholds already notified (sla.escalation.Threshold).
    escalation_notified = models.PositiveSmallIntegerField(default=0, editable=False)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    # Last contact (customer article or agent article for the customer): the update clock.
    update_start = models.DateTimeField(null=True, blank=True, editable=False)
    # The customer contact still waiting for an answer (sla.models.UpdateWait), if any.
    update_wait_since = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_since = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_minutes = models.FloatField(default=0, editable=False)
    first_response_minutes = models.PositiveIntegerField(
        _("first response time (working minutes)"), null=True, blank=True
    )
    solution_minutes = models.PositiveIntegerField(
        _("solution time (working minutes)"), null=True, blank=True
    )
    # Auto unlock: the owner's last action while locked, and when the lock runs out.
    unlock_timeout_start = models.DateTimeField(null=True, blank=True, editable=False)
    unlock_due = models.DateTimeField(_("unlock due"), null=True, blank=True)
    # The pending time whose reminder was sent (each reminder goes out once).
    reminder_sent_for = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["queue", "state"], name="ticket_queue_state"),
            models.Index(fields=["state", "changed"], name="ticket_state_changed"),
            # The agent's own lists count their open tickets in readable queues from the
            # index alone (no visit to the table's rows).
            models.Index(
                fields=["owner", "lock", "state", "queue"], name="ticket_owner_lock_state"
            ),
            models.Index(fields=["responsible", "state", "queue"], name="ticket_responsible_state"),
            models.Index(fields=["customer_user_id"], name="ticket_customer_user"),
            models.Index(fields=["customer_company_id"], name="ticket_customer_company"),
            # Newest first (the id breaks ties, as every list orders), and created per day
            # in readable queues from the index alone.
            models.Index(fields=["created", "id", "queue"], name="ticket_created_queue"),
            models.Index(fields=["pending_until"], name="ticket_pending_until"),
            # Reached reminders: one range per pending state, counted from the index.
            models.Index(fields=["state", "pending_until", "queue"], name="ticket_state_pending"),
            models.Index(fields=["first_response_due"], name="ticket_first_response_due"),
            models.Index(fields=["update_due"], name="ticket_update_due"),
            # The customer contacts still waiting, for the SLA reports' period scan.
            models.Index(
                fields=["update_wait_since"],
                condition=models.Q(update_wait_since__isnull=False),
                name="ticket_update_wait",
            ),
            models.Index(fields=["solution_due"], name="ticket_solution_due"),
            models.Index(
                fields=["escalation_next_at"],
                name="ticket_escalation_next",
                condition=models.Q(escalation_next_at__isnull=False),
            ),
            models.Index(
                fields=["unlock_due"],
                name="ticket_unlock_due",
                condition=models.Q(unlock_due__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Agents never delete tickets; the history that refers to them is evidence.
        raise models.ProtectedError(gettext("Tickets cannot be deleted."), {self})

    @property
    def is_locked(self) -> bool:
        return self.lock == Lock.LOCK


class Channel(models.TextChoices):
    EMAIL = "email", _("email")
    PHONE = "phone", _("phone")
    INTERNAL = "internal", _("internal")
    WEB = "web", _("web")


class SenderType(models.TextChoices):
    AGENT = "agent", _("agent")
    CUSTOMER = "customer", _("customer")
    SYSTEM = "system", _("system")


class ArticleManager(models.Manager["Article"]):
    """Articles without the raw message in their row: only the raw view, the download and
    a bounce read it (``tickets.articles.raw_message``)."""

    def get_queryset(self) -> models.QuerySet[Article]:
        return super().get_queryset().defer("raw_data")


class Article(Created):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="articles"
    )
    number = models.PositiveIntegerField(_("number"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    sender_type = models.CharField(_("sender type"), max_length=20, choices=SenderType.choices)
    visible_for_customer = models.BooleanField(_("visible for customer"), default=False)
    from_address = models.TextField(_("from"), blank=True)
    to_address = models.TextField(_("to"), blank=True)
    cc_address = models.TextField(_("cc"), blank=True)
    reply_to = models.TextField(_("reply to"), blank=True)
    subject = models.TextField(_("subject"), blank=True)
    body = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML text"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True, db_index=True)
    in_reply_to = models.TextField(_("In-Reply-To"), blank=True)
    references = models.TextField(_("References"), blank=True)
    # The raw message as it came (or went): small ones in the row (stored with it in one
    # transaction, no file to create), larger ones as files (tickets.articles).
    raw_source = models.FileField(_("raw source"), upload_to="raw/%Y/%m/%d", blank=True)
    raw_data = models.BinaryField(_("raw source in the database"), null=True, editable=False)
    raw_size = models.PositiveIntegerField(_("raw source size"), default=0, editable=False)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    is_automatic = models.BooleanField(
        _("automatic message"),
        default=False,
        help_text=_("Auto-reply, bulk, list or bounce: never auto-answered."),
    )

    objects = ArticleManager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["ticket", "number"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "number"], name="article_ticket_number"),
            # The same raw message is stored once, whichever way it arrives again.
            models.UniqueConstraint(
                fields=["content_hash"],
                condition=~models.Q(content_hash=""),
                name="article_content_hash_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject[:80]}"


class OriginChannel(models.TextChoices):
    """How a ticket came in (the channel mix statistics)."""

    EMAIL = "email", _("email")
    PHONE = "phone", _("phone")
    WEB = "web", _("web form")
    API = "api", _("API")
    GENERIC_INTERFACE = "gi", _("GenericInterface")
    INTERNAL = "internal", _("agent interface")


class TicketOrigin(models.Model):
    """The channel a ticket was created by and, for the portal's request forms, which
    form and whether the customer opened one of its FAQ suggestions and still sent the
    request. Written once with the ticket (tickets older than this table have none: the
    statistics read their first article's channel)."""

    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("ticket"),
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="origin",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=OriginChannel.choices)
    # The portal's RequestForm (an app above this one: its id and name, no foreign key).
    request_form_id = models.BigIntegerField(_("request form"), null=True, blank=True)
    request_form_name = models.CharField(_("request form name"), max_length=200, blank=True)
    faq_suggestion_opened = models.BooleanField(_("FAQ suggestion opened"), default=False)

    class Meta:
        verbose_name = _("ticket origin")
        verbose_name_plural = _("ticket origins")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.channel}"


class TimeAccounting(models.Model):
    """Working time an agent accounted with an article (OTRS's ``time_accounting``):
    one row per entry, written with a ``TimeAccounting`` history row by the actions."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="time_accounting"
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), null=True, blank=True, on_delete=models.PROTECT
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("accounted time")
        verbose_name_plural = _("accounted time")
        ordering = ["ticket", "id"]
        # Workload per agent and period: the entries of a time range from the index.
        indexes = [models.Index(fields=["created", "agent"], name="time_accounting_created")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.minutes} min"


class Attachment(models.Model):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="attachments"
    )
    filename = models.CharField(_("filename"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_id = models.CharField(_("content ID"), max_length=255, blank=True)
    inline = models.BooleanField(_("inline"), default=False)
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/%d")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["article", "id"]

    def __str__(self) -> str:
        return self.filename


class LinkType(models.TextChoices):
    NORMAL = "normal", _("related")
    PARENT_CHILD = "parent_child", _("parent / child")


class TicketLink(models.Model):
    """A link between two tickets; for parent/child, ``source`` is the parent."""

    source = models.ForeignKey(
        Ticket, verbose_name=_("source"), on_delete=models.PROTECT, related_name="links_out"
    )
    target = models.ForeignKey(
        Ticket, verbose_name=_("target"), on_delete=models.PROTECT, related_name="links_in"
    )
    type = models.CharField(_("link type"), max_length=20, choices=LinkType.choices)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "type"], name="ticket_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.type} {self.target_id}"


class TicketWatch(models.Model):
    """An agent watching a ticket: told of every event, marker for news."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="watchers"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="watched",
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("watcher")
        verbose_name_plural = _("watchers")
        constraints = [models.UniqueConstraint(fields=["ticket", "agent"], name="ticket_watch")]

    def __str__(self) -> str:
        return f"{self.agent_id} watches {self.ticket_id}"


class ArticleFlag(models.Model):
    """Per agent and article: seen (marked when the zoom shows it) and marked
    (the agent's own highlight). Not ticket data: no history, no event."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
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


class TicketCounter(models.Model):
    """Daily counter behind the DateChecksum ticket numbers, one row per system id and day."""

    system_id = models.CharField(max_length=10)
    day = models.CharField(max_length=8)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system_id", "day"], name="ticket_counter_day")
        ]

    def __str__(self) -> str:
        return f"{self.system_id}/{self.day}: {self.value}"


def _tally_key(to: Any) -> Any:
    """A key column of ``TicketTally``: no constraint and no index of its own (the unique
    key is the index; a row of a deleted queue or state is only a zero to drop)."""
    return models.ForeignKey(
        to, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )


class TicketTally(models.Model):
    """How many tickets have each combination of queue, state, lock, priority and type.

    Kept by database triggers on the ticket table (migration 0010), in the transaction
    of every insert, update and delete whatever the path (actions, merge, bulk, jobs,
    bulk loads): ``n = n + 1`` / ``n = n - 1`` on the row of the combination, created
    on demand by an upsert under the unique constraint. The overviews sum these rows
    over the queues an agent may read instead of counting open tickets, so a count
    costs the same at 10,000 and 1,000,000 tickets. ``sportello tally --repair``
    recounts. No foreign key constraints: a row of a deleted state or queue is only a
    zero to drop."""

    queue = _tally_key("queues.Queue")
    state = _tally_key(State)
    lock = models.CharField(max_length=10, choices=Lock.choices)
    priority = _tally_key(Priority)
    type = _tally_key(TicketType)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "state", "lock", "priority", "type"], name="ticket_tally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.queue_id}/{self.state_id}/{self.lock}: {self.n}"


class HistoryQuerySet(models.QuerySet["History"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("ticket history is append-only")

    def delete(self) -> NoReturn:
        raise PermissionError("ticket history is append-only")


class History(models.Model):
    """One row per change of a ticket. Append-only: the model refuses update and delete,
    and database triggers refuse them too (migration 0002)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="history"
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), null=True, blank=True, on_delete=models.PROTECT
    )
    type = models.CharField(_("type"), max_length=40, choices=HistoryType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Snapshot of who acted, kept even if the account is renamed later; for customers
    # and the system this is their address or name.
    actor_name = models.CharField(_("actor name"), max_length=300)
    channel = models.CharField(_("channel"), max_length=10)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # Ids at the time of the change, for statistics and SLA reports.
    queue_id_at = models.BigIntegerField(null=True)
    state_id_at = models.BigIntegerField(null=True)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["ticket", "id"]
        indexes = [
            # Tickets closed per day (the dashboard's chart, statistics): the state changes
            # of a time range counted from the index alone.
            models.Index(
                fields=["created", "state_id_at", "queue_id_at"],
                name="history_state_updates",
                condition=models.Q(type="StateUpdate"),
            ),
            # Tickets created per period and queue (statistics): the creation rows of a
            # time range with the queue at that time, from the index alone.
            models.Index(
                fields=["created", "queue_id_at", "ticket"],
                name="history_new_tickets",
                condition=models.Q(type="NewTicket"),
            ),
            # The queue each ticket was created in (statistics by creation queue): one
            # lookup per ticket from the index alone.
            models.Index(
                fields=["ticket", "queue_id_at"],
                name="history_creation_queue",
                condition=models.Q(type="NewTicket"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.ticket_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or kwargs.get("force_update"):
            raise PermissionError("ticket history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("ticket history is append-only")

    @property
    def text(self) -> str:
        from sportello.tickets.history_types import render

        return render(self.type, self.old_value, self.new_value, self.comment)


class MasterSlave(models.Model):
    """A ticket marked master (``master`` empty) or slave of a master: answers and state
    changes on the master are applied to its slaves."""

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="master_slave"
    )
    master = models.ForeignKey(
        Ticket,
        verbose_name=_("master"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="slave_links",
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("master/slave mark")
        verbose_name_plural = _("master/slave marks")

    def __str__(self) -> str:
        return f"{self.ticket_id} slave of {self.master_id}" if self.master_id else "master"


class DynamicFieldObject(models.TextChoices):
    TICKET = "ticket", _("ticket")
    ARTICLE = "article", _("article")


class DynamicFieldType(models.TextChoices):
    TEXT = "text", _("text")
    TEXTAREA = "textarea", _("text area")
    INTEGER = "integer", _("integer")
    DROPDOWN = "dropdown", _("dropdown")
    MULTISELECT = "multiselect", _("multiselect")
    CHECKBOX = "checkbox", _("checkbox")
    DATE = "date", _("date")
    DATETIME = "datetime", _("date and time")


class DynamicField(models.Model):
    """An admin-defined field of tickets or articles.

    ``labels`` maps language codes to labels (``{"en": …, "de": …, "it": …}``);
    ``choices`` holds dropdown/multiselect options as ``[{"key": …, "labels": {…}}]``;
    ``default`` is a value in the field's own form (a list for multiselect)."""

    name = models.SlugField(_("name"), max_length=100, unique=True)
    object_type = models.CharField(_("object"), max_length=10, choices=DynamicFieldObject.choices)
    field_type = models.CharField(_("type"), max_length=12, choices=DynamicFieldType.choices)
    labels = models.JSONField(_("labels"), default=dict)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    default = models.JSONField(_("default value"), null=True, blank=True)
    required = models.BooleanField(_("required"), default=False)
    regex = models.CharField(_("validation pattern"), max_length=500, blank=True)
    min_value = models.BigIntegerField(_("minimum"), null=True, blank=True)
    max_value = models.BigIntegerField(_("maximum"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=100)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("dynamic field")
        verbose_name_plural = _("dynamic fields")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        language = (get_language() or "en").split("-")[0]
        labels: dict[str, str] = self.labels or {}
        return labels.get(language) or labels.get("en") or self.name

    def clean(self) -> None:
        from sportello.tickets.dynamic_fields import validate_definition

        validate_definition(self)

    def choice_label(self, key: str) -> str:
        from django.utils.translation import get_language

        language = (get_language() or "en").split("-")[0]
        for choice in self.choices or []:
            if choice.get("key") == key:
                labels = choice.get("labels") or {}
                return str(labels.get(language) or labels.get("en") or key)
        return key


class DynamicFieldValue(models.Model):
    """One typed value of a dynamic field (several rows for a multiselect).

    Each type has its own indexed column, so searches filter with plain indexed
    comparisons on both databases."""

    field = models.ForeignKey(
        DynamicField, verbose_name=_("field"), on_delete=models.PROTECT, related_name="values"
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dynamic_values",
    )
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dynamic_values",
    )
    # Dropdown/multiselect key, checkbox "0"/"1", or the first 200 characters of a text:
    # the indexed column for equality and prefix filters. ``value_text`` keeps the whole text.
    value_key = models.CharField(_("key"), max_length=200, blank=True, default="")
    value_text = models.TextField(_("text"), blank=True, default="")
    value_int = models.BigIntegerField(_("integer"), null=True, blank=True)
    value_date = models.DateField(_("date"), null=True, blank=True)
    value_datetime = models.DateTimeField(_("date and time"), null=True, blank=True)

    class Meta:
        verbose_name = _("dynamic field value")
        verbose_name_plural = _("dynamic field values")
        ordering = ["field", "id"]
        indexes = [
            models.Index(fields=["field", "ticket"], name="dfv_field_ticket"),
            models.Index(fields=["field", "article"], name="dfv_field_article"),
            models.Index(fields=["field", "value_key"], name="dfv_key"),
            models.Index(fields=["field", "value_int"], name="dfv_int"),
            models.Index(fields=["field", "value_date"], name="dfv_date"),
            models.Index(fields=["field", "value_datetime"], name="dfv_datetime"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ticket__isnull=False, article__isnull=True)
                | models.Q(ticket__isnull=True, article__isnull=False),
                name="dfv_one_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.field_id}={self.value_key or self.value_int or self.value_date}"
