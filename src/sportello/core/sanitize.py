"""The one HTML sanitizer (nh3, a safe subset of tags and attributes): article and FAQ HTML
for the browser (``sanitize``), and HTML agents write in the editor (``clean_authored``).

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


# A pasted or dropped image as the editor holds it until the form is sent.
DATA_IMAGE = re.compile(
    r"data:(image/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]*)\Z", re.IGNORECASE
)


def clean_authored(html: str, *, inline_image: Callable[[str, str], str | None]) -> str:
    """HTML an agent wrote (answers, notes, signatures), for storing and sending: the same
    tags and attributes as above, so only what is dangerous goes. Images from other hosts
    stay (the author chose them); each pasted image (a ``data:`` URL) is handed to
    ``inline_image(content_type, base64)``, which keeps it as an attachment and returns
    its ``cid:`` URL (None drops the image). No ``rel`` is added: links go out as written."""

    def attribute(tag: str, name: str, value: str) -> str | None:
        if not value.strip().lower().startswith("data:"):
            return value
        found = DATA_IMAGE.match(value.strip()) if (tag, name) == ("img", "src") else None
        return inline_image(found.group(1).lower(), found.group(2)) if found else None

    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES | {"data"},
        attribute_filter=attribute,
        link_rel=None,
    )
    return IMG_TAG.sub(_decorative_unless_described, cleaned)
