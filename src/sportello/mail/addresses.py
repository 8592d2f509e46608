"""Addresses of incoming mail, also from headers that break the rules: a display name in
unencoded 8-bit or a wrong charset, stray or unbalanced quotes, an address inside the
quotes or no angle brackets at all. A header that holds an address always yields it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import getaddresses

MAX_ADDRESS = 320
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+")
_NAME_JUNK = " \t\"'<>,;()"
_BLANKS = re.compile(r"[ \t\r\n]+")


@dataclass(frozen=True)
class Address:
    name: str
    email: str

    def __str__(self) -> str:
        if not self.name:
            return self.email
        name = self.name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{name}" <{self.email}>'


def parse_addresses(values: list[str], decode: Callable[[str], str]) -> list[Address]:
    """The addresses of raw (undecoded) header values; ``decode`` turns a raw display
    name into text. Names are decoded after the split, so a comma or bracket inside an
    encoded name does not split the address."""
    result: list[Address] = []
    for value in values:
        result += _parse(value, decode)
    return result


def _parse(value: str, decode: Callable[[str], str]) -> list[Address]:
    try:
        pairs = getaddresses([value])
    except (TypeError, ValueError, IndexError):
        pairs = []
    found: list[Address] = []
    for name, email in pairs:
        email = email.strip().strip("<>\"'")
        if not email and not name:
            continue  # an empty group (undisclosed-recipients:;)
        if not _ADDRESS.fullmatch(email) or len(email) > MAX_ADDRESS:
            return _salvage(value, decode) or _loose(pairs)
        found.append(Address(_name(name, decode), _clean(email)))
    if not found and "@" in value:
        return _salvage(value, decode)
    return found


def _salvage(value: str, decode: Callable[[str], str]) -> list[Address]:
    """Every address-like word, each with the text before it as its name."""
    found: list[Address] = []
    position = 0
    for match in _ADDRESS.finditer(value):
        email = match.group(0)
        if len(email) <= MAX_ADDRESS:
            name = value[position : match.start()]
            found.append(Address(_name(name, decode), _clean(email)))
        position = match.end()
    # The same address inside the quotes and in brackets: one address.
    unique: dict[str, Address] = {}
    for address in found:
        known = unique.get(address.email.lower())
        if known is None or (not known.name or known.name == known.email):
            unique[address.email.lower()] = address
    return list(unique.values())


def _loose(pairs: list[tuple[str, str]]) -> list[Address]:
    """Nothing address-like at all (a local name, an obscured address): keep what the
    header wrote, unless it is several words."""
    return [Address("", _clean(e)) for _n, e in pairs if e and not any(c.isspace() for c in e)]


def _name(raw: str, decode: Callable[[str], str]) -> str:
    name = _clean(decode(raw.strip(_NAME_JUNK))).strip(_NAME_JUNK)
    return _BLANKS.sub(" ", name)  # an ideographic space is the sender's, kept


def _clean(text: str) -> str:
    return text.replace("\x00", "")
