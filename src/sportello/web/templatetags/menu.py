"""``{% main_menu as entries %}``: the top menu in the agent's order."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from sportello.web.menu import ordered, visible

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context: Any) -> list[tuple[str, Any, str]]:
    user = context.get("user")
    saved = getattr(user, "menu_order", None)
    entries = ordered(saved, visible(user))
    return [(entry.key, entry.label, reverse(entry.url_name)) for entry in entries]
