"""Article HTML for the agent's browser: nh3 keeps a safe subset of tags and attributes.

Gone: script, style, forms, iframes, objects, meta, SVG, event handlers, style attributes
(so no CSS expressions), and every URL scheme but http(s), mailto and cid. ``cid:`` images
point at the ticket's own attachment; images from other hosts are dropped until the agent
asks for external content. The page's Content-Security-Policy is the second wall.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import nh3

URL_SCHEMES = {"http", "https", "mailto", "cid"}
TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
ATTRIBUTES["a"] = {"href", "hreflang", "title"}
ATTRIBUTES["img"] = {"src", "alt", "width", "height", "title"}
# nh3 writes every attribute value in double quotes (a quote inside as &quot;).
IMG_TAG = re.compile(r'<img((?:\s+[^\s=>/]+(?:="[^"]*")?)*)(\s*/?)>')
ALT_ATTRIBUTE = re.compile(r"\salt(?:=|\s|$)")


def _decorative_unless_described(match: re.Match[str]) -> str:
    """An image without ``alt`` gets ``alt=""`` (WCAG: screen readers then skip it
    instead of reading its file name)."""
    attributes = match.group(1)
    if ALT_ATTRIBUTE.search(attributes):
        return match.group(0)
    return f'<img alt=""{attributes}{match.group(2)}>'


@dataclass
class SafeHtml:
    html: str
    blocked_images: int


def sanitize(
    html: str, *, cid_url: Callable[[str], str | None], load_external: bool = False
) -> SafeHtml:
    """``cid_url(content_id)`` gives the URL of the inline attachment (or None)."""
    blocked = 0

    def attribute(tag: str, name: str, value: str) -> str | None:
        nonlocal blocked
        if tag == "img" and name == "src":
            lowered = value.strip().lower()
            if lowered.startswith("cid:"):
                return cid_url(value.strip()[4:].strip("<>"))
            if not load_external:
                blocked += 1
                return None
        return value

    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=attribute,
        link_rel="noopener noreferrer nofollow",
    )
    return SafeHtml(IMG_TAG.sub(_decorative_unless_described, cleaned), blocked)
