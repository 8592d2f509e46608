"""Composing article texts and mail headers from the phrase corpus."""

from __future__ import annotations

import random
from datetime import datetime

from django.conf import settings

from bench.corpus import Language, Topic
from bench.reference import Customer


def customer_mail(rng: random.Random, language: Language, topic: Topic, who: Customer) -> str:
    problems = rng.sample(topic.problems, min(2, len(topic.problems)))
    lines = [rng.choice(language.greetings), "", " ".join(problems)]
    if rng.random() < 0.6:
        lines.append(rng.choice(language.details))
    lines += ["", rng.choice(language.closings), f"{who.first_name} {who.last_name}"]
    return "\n".join(lines) + "\n"


def follow_up(rng: random.Random, language: Language, who: Customer) -> str:
    return (
        f"{rng.choice(language.greetings)}\n\n{rng.choice(language.followups)}\n\n"
        f"{rng.choice(language.closings)}\n{who.first_name} {who.last_name}\n"
    )


def agent_answer(
    rng: random.Random, language: Language, topic: Topic, who: Customer, agent_name: str
) -> str:
    answer = rng.choice(topic.answers)
    if language.capitalize_answer:
        answer = answer[0].upper() + answer[1:]
    salutation = language.salutation.format(first=who.first_name)
    closing = language.agent_closing.format(agent=agent_name)
    return f"{salutation}\n\n{answer}\n\n{closing}\n"


def note(rng: random.Random, topic: Topic) -> str:
    return rng.choice(topic.notes)


def answer_subject(number: str, title: str) -> str:
    # The form sportello.mail.compose.answer_subject gives outgoing answers.
    return f"[{settings.SPORTELLO_TICKET_HOOK}{number}] Re: {title}"


def customer_message_id(rng: random.Random, who: Customer) -> str:
    return f"<{rng.getrandbits(64):016x}@{who.domain}>"


def agent_message_id(rng: random.Random, when: datetime) -> str:
    # Shaped like email.utils.make_msgid(idstring="sportello"), which the mail layer uses.
    stamp = int(when.timestamp() * 100)
    return (
        f"<{stamp}.{rng.getrandbits(16)}.{rng.getrandbits(60)}.sportello"
        f"@{settings.SPORTELLO_MAIL_DOMAIN}>"
    )
