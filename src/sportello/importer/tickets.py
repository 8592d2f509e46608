"""Tickets with their articles, history, dynamic field values, watchers and flags,
streamed in batches of ticket ids; then links and merges. Each batch is one
transaction with its mapping rows and the checkpoint ``--resume`` continues from."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sportello.accounts import selectors
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.importer import accounted_time
from sportello.importer import articles as contents
from sportello.importer.context import Context
from sportello.importer.history_names import translate
from sportello.importer.models import ImportedObject, ImportStep
from sportello.search import pending
from sportello.sla import update_waits
from sportello.tickets import history, numbers
from sportello.tickets.actions import imported
from sportello.tickets.models import (
    Article,
    ArticleFlag,
    Channel,
    DynamicField,
    DynamicFieldType,
    DynamicFieldValue,
    LinkType,
    Lock,
    SenderType,
    Ticket,
    TicketType,
    TicketWatch,
)

BATCH = 500
CHANNELS = {
    "email": Channel.EMAIL,
    "phone": Channel.PHONE,
    "internal": Channel.INTERNAL,
    "chat": Channel.WEB,
}
SENDERS = {"agent": SenderType.AGENT, "customer": SenderType.CUSTOMER, "system": SenderType.SYSTEM}
LINK_TYPES = {"normal": LinkType.NORMAL, "parentchild": LinkType.PARENT_CHILD}

TICKET_SQL = (
    "SELECT id, tn, title, queue_id, ticket_lock_id, type_id, service_id, sla_id, user_id, "
    "responsible_user_id, ticket_priority_id, ticket_state_id, customer_id, "
    "customer_user_id, until_time, archive_flag, create_time, create_by, change_time, "
    "change_by FROM ticket WHERE id > %s"
)
ARTICLE_SQL = (
    "SELECT a.id, a.ticket_id, a.article_sender_type_id, a.communication_channel_id, "
    "a.is_visible_for_customer, a.create_time, a.create_by, m.a_from, m.a_reply_to, m.a_to, "
    "m.a_cc, m.a_subject, m.a_message_id, m.a_in_reply_to, m.a_references, "
    "m.a_content_type, m.a_body, m.content_path FROM article a "
    "LEFT JOIN article_data_mime m ON m.article_id = a.id "
    "WHERE a.ticket_id IN ({}) ORDER BY a.ticket_id, a.id"
)
HISTORY_SQL = (
    "SELECT id, name, history_type_id, ticket_id, article_id, queue_id, state_id, "
    "create_time, create_by FROM ticket_history WHERE ticket_id IN ({}) ORDER BY id"
)


def aware(value: Any) -> datetime | None:
    """Znuny stores UTC without a zone (its ``OTRSTimeZone``)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def stamp(value: Any) -> datetime:
    """A NOT NULL time column."""
    moment = aware(value)
    assert moment is not None
    return moment


def _marks(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


class TicketImport:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        src = ctx.source
        self.locks = {
            i: (Lock.UNLOCK if n == "unlock" else Lock.LOCK)
            for i, n in src.all("SELECT id, name FROM ticket_lock_type")
        }
        self.channels = {
            i: CHANNELS.get(str(n).lower(), Channel.INTERNAL)
            for i, n in src.all("SELECT id, name FROM communication_channel")
        }
        self.senders = {
            i: SENDERS.get(str(n).lower(), SenderType.SYSTEM)
            for i, n in src.all("SELECT id, name FROM article_sender_type")
        }
        self.history_types = dict(src.all("SELECT id, name FROM ticket_history_type"))
        self.system = selectors.system_user()
        self.agents = {int(k): v for k, v in ctx.mapping.all("users").items()}
        self.users = {u.pk: u for u in User.objects.filter(pk__in=self.agents.values())}
        self.actors: dict[int, Actor] = {}
        self.default_type = TicketType.objects.filter(valid=True).order_by("pk").first()
        self.fields = {
            int(k): DynamicField.objects.get(pk=v)
            for k, v in ctx.mapping.all("dynamic_field").items()
        }
        # Per batch: Znuny's ticket number → id, and the articles new in it.
        self._znuny_of: dict[str, int] = {}
        self._new_articles: set[int] = set()

    def agent(self, znuny_id: Any) -> int:
        return self.agents.get(int(znuny_id or 0), self.system.pk)

    def actor(self, znuny_id: Any) -> Actor:
        pk = self.agent(znuny_id)
        if pk not in self.actors:
            user = self.users.get(pk, self.system)
            self.actors[pk] = Actor(user=user, channel="cli")
        return self.actors[pk]

    def run(self) -> None:
        ctx = self.ctx
        step, _created = ImportStep.objects.get_or_create(name="tickets")
        start = step.last_key if ctx.resume else 0
        sql, params = TICKET_SQL, [start]  # type: str, list[Any]
        if ctx.since is not None:
            sql += " AND change_time >= %s"
            params.append(ctx.since.replace(tzinfo=None))
        count_sql = "SELECT COUNT(*) FROM ticket" + sql.split("FROM ticket", 1)[1]  # noqa: S608
        total = int(ctx.source.scalar(count_sql, params) or 0)
        done = 0
        for batch in ctx.source.rows(sql + " ORDER BY id", params, batch_size=BATCH):
            with transaction.atomic():
                self.batch(batch)
                ImportStep.objects.filter(pk=step.pk).update(last_key=int(batch[-1][0]))
            done += len(batch)
            ctx.progress(_("tickets"), done, total)
        self.links()
        ImportStep.objects.filter(pk=step.pk).update(finished=True)

    # -- one batch -------------------------------------------------------------------

    def batch(self, rows: list[tuple[Any, ...]]) -> None:
        ctx = self.ctx
        known = {int(k): v for k, v in ctx.mapping.lookup("ticket", [r[0] for r in rows]).items()}
        new: list[Ticket] = []
        by_znuny: dict[int, int] = dict(known)
        for row in rows:
            values = self.ticket_values(row)
            if values is None:
                continue
            if int(row[0]) in known:
                outcome = imported.update_imported_ticket(known[int(row[0])], values)
                ctx.report.count("ticket", "updated" if outcome else "unchanged")
            else:
                new.append(
                    Ticket(
                        number=str(row[1]),
                        created=stamp(row[16]),
                        created_by_id=self.agent(row[17]),
                        **values,
                    )
                )
        imported.import_tickets(new)
        for ticket in new:
            by_znuny[self._znuny_of[ticket.number]] = ticket.pk
        ctx.mapping.put_many("ticket", [(self._znuny_of[t.number], t.pk) for t in new])
        ctx.report.count("ticket", "created", len(new))
        numbers.continue_after([t.number for t in new])
        tickets = {
            t.pk: t
            for t in Ticket.objects.filter(pk__in=by_znuny.values()).only(
                "pk", "number", "queue_id", "state_id"
            )
        }
        article_map = self.articles(by_znuny, tickets)
        self.history(by_znuny, tickets, article_map)
        self.dynamic_values(by_znuny, article_map, replace=[known[k] for k in known])
        self.watchers_and_flags(by_znuny, article_map)
        accounted_time.run(ctx, by_znuny, article_map, self.agent)
        # The update clock per customer contact, from the articles just imported.
        update_waits.rebuild(sorted(by_znuny.values()))
        # Indexed by the search job after commit, as after any article.
        pending.mark_many(sorted(by_znuny.values()))

    def ticket_values(self, row: tuple[Any, ...]) -> dict[str, Any] | None:
        (
            id_,
            tn,
            title,
            queue_id,
            lock_id,
            type_id,
            service_id,
            sla_id,
            owner,
            responsible,
            priority,
            state,
            customer_id,
            customer_user,
            until,
            archive,
            _created,
            _create_by,
            changed,
            change_by,
        ) = row
        ctx = self.ctx
        queue = ctx.mapping.get("queue", queue_id)
        state_id = ctx.mapping.get("ticket_state", state)
        priority_id = ctx.mapping.get("ticket_priority", priority)
        type_target = ctx.mapping.get("ticket_type", type_id) if type_id else None
        if type_target is None and self.default_type is not None:
            type_target = self.default_type.pk
        missing = [
            name
            for name, value in (
                ("queue", queue),
                ("state", state_id),
                ("priority", priority_id),
                ("type", type_target),
            )
            if value is None
        ]
        if missing:
            ctx.report.skip(
                "ticket", tn, _("no counterpart for its %(what)s") % {"what": ", ".join(missing)}
            )
            return None
        self._znuny_of[str(tn)] = int(id_)
        return {
            "title": ctx.source.text(title)[:255],
            "queue_id": queue,
            "state_id": state_id,
            "priority_id": priority_id,
            "type_id": type_target,
            "lock": self.locks.get(lock_id, Lock.UNLOCK),
            "owner_id": self.agent(owner),
            "responsible_id": self.agent(responsible) if responsible else None,
            "customer_user_id": ctx.source.text(customer_user)[:250],
            "customer_company_id": ctx.source.text(customer_id)[:150],
            "pending_until": datetime.fromtimestamp(int(until), UTC) if until else None,
            "archived": bool(archive),
            "service_id": ctx.mapping.get("service", service_id) if service_id else None,
            "sla_id": ctx.mapping.get("sla", sla_id) if sla_id else None,
            "changed": aware(changed),
            "changed_by_id": self.agent(change_by),
        }

    def articles(self, by_znuny: dict[int, int], tickets: dict[int, Ticket]) -> dict[int, int]:
        ctx, src = self.ctx, self.ctx.source
        ids = list(by_znuny)
        rows = src.all(ARTICLE_SQL.format(_marks(ids)), ids)
        known = {int(k): v for k, v in ctx.mapping.lookup("article", [r[0] for r in rows]).items()}
        fresh = [r for r in rows if int(r[0]) not in known]
        self._new_articles = {int(r[0]) for r in fresh}
        stored = contents.from_database(ctx, [int(r[0]) for r in fresh])
        items: list[imported.ImportedArticle] = []
        incomplete: list[int] = []
        position: dict[int, int] = defaultdict(int)
        for row in rows:
            position[int(row[1])] += 1
            if int(row[0]) in known:
                continue
            item, files_missing = self.article(
                row, tickets[by_znuny[int(row[1])]], position[int(row[1])], stored
            )
            items.append(item)
            if files_missing:
                incomplete.append(int(row[0]))
        imported.import_articles(items, keep_files=not ctx.dry_run)
        pairs = [
            (int(r[0]), item.article.pk)
            for r, item in zip([r for r in rows if int(r[0]) not in known], items, strict=True)
        ]
        ctx.mapping.put_many("article", pairs)
        ctx.mapping.put_many("article_incomplete", [(i, dict(pairs)[i]) for i in incomplete])
        ctx.report.count("article", "created", len(items))
        ctx.report.count("article", "unchanged", len(known))
        ctx.report.count("attachment", "created", sum(len(i.attachments) for i in items))
        return {**known, **dict(pairs)}

    def article(
        self, row: tuple[Any, ...], ticket: Ticket, number: int, stored: dict[int, Any]
    ) -> tuple[imported.ImportedArticle, bool]:
        (
            id_,
            _ticket,
            sender,
            channel,
            visible,
            created,
            create_by,
            a_from,
            reply_to,
            a_to,
            a_cc,
            subject,
            message_id,
            in_reply_to,
            references,
            content_type,
            body,
            path,
        ) = row
        src = self.ctx.source
        # Znuny fills content_path whatever the storage: contents in the database win,
        # else the files. Every mail has a plain.txt there; other articles have a folder
        # only when they have files, so only a mail's missing folder is known to be lost.
        found = stored.get(int(id_))
        if found is None:
            found = contents.from_files(self.ctx, int(id_), path) or contents.Contents()
            if found.missing and self.channels.get(channel) != Channel.EMAIL:
                found = contents.Contents()
        if found.missing:
            self.ctx.report.problem(
                _(
                    "Article %(id)s of ticket %(tn)s: its files are missing at %(path)s; "
                    "imported without them, a later run adds them."
                )
                % {"id": id_, "tn": ticket.number, "path": found.missing}
            )
        sender_type = self.senders.get(sender, SenderType.SYSTEM)
        article = Article(
            ticket=ticket,
            number=number,
            channel=self.channels.get(channel, Channel.INTERNAL),
            sender_type=sender_type,
            visible_for_customer=bool(visible),
            from_address=src.text(a_from),
            to_address=src.text(a_to),
            cc_address=src.text(a_cc),
            reply_to=src.text(reply_to),
            subject=src.text(subject),
            body=src.text(body).replace("\x00", ""),
            body_html=found.body_html.replace("\x00", ""),
            message_id=src.text(message_id).strip()[:998],
            in_reply_to=src.text(in_reply_to).strip(),
            references=src.text(references).strip(),
            created=stamp(created),
            created_by_id=self.agent(create_by)
            if sender_type == SenderType.AGENT
            else self.system.pk,
        )
        _unused = content_type
        return (
            imported.ImportedArticle(article=article, raw=found.raw, attachments=found.attachments),
            bool(found.missing),
        )

    def history(
        self, by_znuny: dict[int, int], tickets: dict[int, Ticket], article_map: dict[int, int]
    ) -> None:
        ctx = self.ctx
        ids = list(by_znuny)
        last = {int(k): v for k, v in ctx.mapping.lookup("ticket_history_last", ids).items()}
        rows = ctx.source.all(HISTORY_SQL.format(_marks(ids)), ids)
        entries = []
        newest: dict[int, int] = {}
        for id_, name, type_id, ticket_id, article_id, queue_id, state_id, created, by in rows:
            if int(id_) <= last.get(int(ticket_id), 0):
                continue
            code, old, new, comment = translate(
                str(self.history_types.get(type_id, "Misc")), ctx.source.text(name)
            )
            entry = history.entry_by_ids(
                by_znuny[int(ticket_id)],
                code,  # type: ignore[arg-type]
                queue_id=ctx.mapping.get("queue", queue_id)
                or tickets[by_znuny[int(ticket_id)]].queue_id,
                state_id=ctx.mapping.get("ticket_state", state_id)
                or tickets[by_znuny[int(ticket_id)]].state_id,
                actor=self.actor(by),
                old=old[:2000],
                new=new[:2000],
                comment=comment,
                created=stamp(created),
            )
            entry.article_id = article_map.get(int(article_id)) if article_id else None
            entries.append(entry)
            newest[int(ticket_id)] = int(id_)
        imported.import_history(entries)
        # Per ticket the newest Znuny history id taken: one row per ticket, not per entry.
        ImportedObject.objects.bulk_create(
            [
                ImportedObject(kind="ticket_history_last", source_key=str(t), target_id=h)
                for t, h in newest.items()
            ],
            update_conflicts=True,
            unique_fields=["kind", "source_key"],
            update_fields=["target_id"],
        )
        ctx.report.count("history", "created", len(entries))
        ctx.report.count("history", "unchanged", len(rows) - len(entries))

    def dynamic_values(
        self, by_znuny: dict[int, int], article_map: dict[int, int], replace: list[int]
    ) -> None:
        if not self.fields:
            return
        keys = [*by_znuny, *article_map]
        field_ids = list(self.fields)
        rows = self.ctx.source.all(
            "SELECT field_id, object_id, value_text, value_date, value_int "  # noqa: S608
            f"FROM dynamic_field_value WHERE field_id IN ({_marks(field_ids)}) "
            f"AND object_id IN ({_marks(keys)}) ORDER BY id",
            [*field_ids, *keys],
        )
        values = []
        for field_id, object_id, text, when, number in rows:
            field = self.fields[int(field_id)]
            owner = (
                {"ticket_id": by_znuny.get(int(object_id))}
                if field.object_type == "ticket"
                else {"article_id": article_map.get(int(object_id))}
            )
            if None in owner.values():
                continue
            if field.object_type == "article" and int(object_id) not in self._new_articles:
                continue
            values.append(
                DynamicFieldValue(field=field, **owner, **_typed(field, text, when, number))
            )
        values, replace = self._changed_values(values, replace)
        imported.import_dynamic_values(values, replace_tickets=replace)
        self.ctx.report.count("dynamic_field_value", "created", len(values))

    @staticmethod
    def _changed_values(
        values: list[DynamicFieldValue], tickets: list[int]
    ) -> tuple[list[DynamicFieldValue], list[int]]:
        """The values to write: all of new tickets and articles, and those of already
        imported tickets whose values differ from the stored ones (which are replaced)."""
        columns = (
            "field_id",
            "value_key",
            "value_text",
            "value_int",
            "value_date",
            "value_datetime",
        )

        def key(row: Any) -> tuple[Any, ...]:
            return tuple(getattr(row, c) if not isinstance(row, dict) else row[c] for c in columns)

        stored: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for row in DynamicFieldValue.objects.filter(ticket_id__in=tickets).values(
            "ticket_id", *columns
        ):
            stored[row["ticket_id"]].append(key(row))
        wanted: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for value in values:
            if value.ticket_id in stored or value.ticket_id in tickets:
                wanted[value.ticket_id].append(key(value))
        changed = [t for t in tickets if sorted(stored.get(t, [])) != sorted(wanted.get(t, []))]
        keep = [
            v
            for v in values
            if v.ticket_id is None or v.ticket_id not in tickets or v.ticket_id in changed
        ]
        return keep, changed

    def watchers_and_flags(self, by_znuny: dict[int, int], article_map: dict[int, int]) -> None:
        ids = list(by_znuny)
        for ticket_id, user_id, created in self.ctx.source.all(
            f"SELECT ticket_id, user_id, create_time FROM ticket_watcher "  # noqa: S608
            f"WHERE ticket_id IN ({_marks(ids)})",
            ids,
        ):
            _watch, made = TicketWatch.objects.get_or_create(
                ticket_id=by_znuny[int(ticket_id)],
                agent_id=self.agent(user_id),
                defaults={"created": stamp(created)},
            )
            self.ctx.report.count("watcher", "created" if made else "unchanged")
        if not article_map:
            return
        keys = list(article_map)
        seen: dict[tuple[int, int], dict[str, bool]] = {}
        for article_id, key, user_id in self.ctx.source.all(
            "SELECT article_id, article_key, create_by FROM article_flag "  # noqa: S608
            f"WHERE article_id IN ({_marks(keys)})",
            keys,
        ):
            flag = {"Seen": "seen", "Marked": "marked"}.get(str(key))
            if flag:
                pair = (article_map[int(article_id)], self.agent(user_id))
                seen.setdefault(pair, {})[flag] = True
        ArticleFlag.objects.bulk_create(
            [
                ArticleFlag(article_id=article, agent_id=agent, **flags)
                for (article, agent), flags in seen.items()
            ],
            update_conflicts=True,
            unique_fields=["agent", "article"],
            update_fields=["seen", "marked"],
        )
        self.ctx.report.count("article_flag", "created", len(seen))

    # -- after the tickets -----------------------------------------------------------

    def links(self) -> None:
        ctx, src = self.ctx, self.ctx.source
        objects = dict(src.all("SELECT id, name FROM link_object"))
        types = dict(src.all("SELECT id, name FROM link_type"))
        states = dict(src.all("SELECT id, name FROM link_state"))
        for batch in src.rows(
            "SELECT source_object_id, source_key, target_object_id, target_key, type_id, "
            "state_id FROM link_relation"
        ):
            # The tickets of this batch only: the whole mapping need not be in memory.
            tickets = ctx.mapping.lookup("ticket", [k for r in batch for k in (r[1], r[3])])
            for so, sk, to, tk, type_id, state_id in batch:
                if objects.get(so) != "Ticket" or objects.get(to) != "Ticket":
                    ctx.report.skip(
                        "link",
                        f"{sk}-{tk}",
                        _("links to %(o)s are not imported")
                        % {
                            "o": objects.get(to) if objects.get(so) == "Ticket" else objects.get(so)
                        },
                    )
                    continue
                if states.get(state_id) != "Valid":
                    continue
                kind = LINK_TYPES.get(str(types.get(type_id, "")).lower())
                source, target = tickets.get(str(sk)), tickets.get(str(tk))
                if kind is None or source is None or target is None:
                    if kind is None:
                        ctx.report.skip(
                            "link",
                            f"{sk}-{tk}",
                            _("link type %(t)s has no counterpart") % {"t": types.get(type_id)},
                        )
                    continue
                made = imported.import_link(source, target, kind)
                ctx.report.count("link", "created" if made else "unchanged")
        # A merged ticket hands its follow-ups to the one it was merged into: its
        # "Merged" history row names both.
        merged = self.history_types and [k for k, v in self.history_types.items() if v == "Merged"]
        if merged:
            for batch in src.rows(
                "SELECT ticket_id, name FROM ticket_history WHERE history_type_id = %s ORDER BY id",
                [merged[0]],
            ):
                names = [src.text(name).strip("%").split("%%") for _id, name in batch]
                tickets = ctx.mapping.lookup(
                    "ticket", [p[i] for p in names if len(p) >= 4 for i in (1, 3)]
                )
                for ticket_id, name in batch:
                    parts = src.text(name).strip("%").split("%%")
                    if len(parts) < 4 or str(parts[1]) != str(ticket_id):
                        continue
                    source, target = tickets.get(parts[1]), tickets.get(parts[3])
                    if source and target and imported.set_merged_into(source, target):
                        ctx.report.count("merge", "created")


def _typed(field: DynamicField, text: Any, when: Any, number: Any) -> dict[str, Any]:
    kind = field.field_type
    if kind == DynamicFieldType.INTEGER or kind == DynamicFieldType.CHECKBOX:
        if kind == DynamicFieldType.CHECKBOX:
            return {"value_key": "1" if number else "0", "value_int": int(number or 0)}
        return {"value_int": int(number or 0)}
    if kind == DynamicFieldType.DATE:
        day = aware(when)
        return {"value_date": day.date() if isinstance(day, datetime) else None}
    if kind == DynamicFieldType.DATETIME:
        return {"value_datetime": aware(when)}
    value = "" if text is None else str(text)
    return {"value_key": value[:200], "value_text": value}
