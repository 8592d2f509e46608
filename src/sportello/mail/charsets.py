"""Text of real mail: the charsets mailers write, not the ones they declare.

A declared charset is read as the superset mailers actually use under that label (GB2312
as GB18030, Big5 as Big5-HKSCS, Shift_JIS as CP932, KS_C_5601-1987 as CP949, ISO-2022-JP
with Microsoft's extensions); a label that lies falls back to UTF-8, then to the other
encodings of its script, then to detection with charset-normalizer. Encoded words
(RFC 2047) are decoded the same way, word by word, so one mislabelled word does not leave
the whole header undecoded.
"""

from __future__ import annotations

import binascii
import codecs
import quopri
import re
from functools import lru_cache

SHORT_TEXT = 120  # below this many bytes, charset detection is not trusted
ISO_2022_JP = "iso2022_jp"  # read by ``_decode_iso_2022_jp``

# By the name Python's codec registry gives a label (or the label, where Python has no
# codec for it): the superset to read instead.
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "x-ms-cp932": "cp932",
    "euc_kr": "cp949",  # also what Python makes of ks_c_5601-1987
    "x-windows-949": "cp949",
    "utf-7": "utf-7",  # also unicode-1-1-utf-7
    "x-unicode-2-0-utf-7": "utf-7",
    "iso8859-1": "cp1252",  # as browsers read it: C1 bytes are Windows punctuation
    "iso8859-8-i": "iso8859-8",
    "iso-8859-8-i": "iso8859-8",
    "tis-620": "cp874",
    "x-mac-roman": "mac-roman",
    "iso2022_jp": ISO_2022_JP,
}
# When a label of these scripts lies (8-bit bytes under a 7-bit label, one Japanese
# encoding labelled as another), the script's other encodings are likelier than
# detection on a few bytes. EUC-JP first: Shift_JIS kana are not valid EUC-JP, while
# EUC-JP would decode as Shift_JIS half-width katakana.
RELATIVES = {
    ISO_2022_JP: ("euc_jp", "cp932"),
    "cp932": ("euc_jp",),
    "euc_jp": ("cp932",),
    "cp949": ("iso2022_kr",),
}


@lru_cache(maxsize=256)
def codec_for(label: str | None) -> str | None:
    """The codec to read text labelled ``label`` with; None for no or an unknown label."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in SUPERSETS:
        return SUPERSETS[label]
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return SUPERSETS.get(name, name)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Declared charset (as its superset) first; then UTF-8, the script's relatives and
    detection. Never raises."""
    codec = codec_for(charset)
    if codec is not None:
        text = _strict(data, codec)
        if text is not None:
            return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for relative in RELATIVES.get(codec or "", ()):
        text = _strict(data, relative)
        if text is not None:
            return text
    if len(data) < SHORT_TEXT:
        # Detection is guesswork on a few bytes; Western mail is by far the most common.
        return data.decode("cp1252", errors="replace")
    from charset_normalizer import from_bytes  # only for the rare undeclared 8-bit text

    best = from_bytes(data[:200_000]).best()
    if best is not None:
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", errors="replace")


def _strict(data: bytes, codec: str) -> str | None:
    try:
        if codec == ISO_2022_JP:
            return _decode_iso_2022_jp(data)
        if codec == "cp1252":
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:  # five bytes Windows-1252 leaves undefined
                return data.decode("latin-1")
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


_ESCAPES = {
    b"\x1b(B": "ascii",
    b"\x1b(J": "ascii",  # JIS X 0201 Roman
    b"\x1b(I": "kana",  # JIS X 0201 half-width katakana
    b"\x1b$@": "double",
    b"\x1b$B": "double",
    b"\x1b$(Q": "double",  # JIS X 0213: its first plane is read as the CP932 rows
    b"\x1b$(O": "double",
}


def _decode_iso_2022_jp(data: bytes) -> str:
    """ISO-2022-JP as Python reads it (with JIS X 0212), else as Microsoft writes it
    (CP50220/CP50221: NEC and IBM rows, half-width katakana by escape or SO/SI), read by
    turning the JIS code pairs into Shift_JIS and decoding that as CP932."""
    try:
        return data.decode("iso2022_jp_2")
    except UnicodeDecodeError:
        pass
    out = bytearray()
    mode = "ascii"
    index = 0
    while index < len(data):
        byte = data[index]
        if byte == 0x1B:
            for escape, new_mode in _ESCAPES.items():
                if data.startswith(escape, index):
                    mode, index = new_mode, index + len(escape)
                    break
            else:
                raise UnicodeDecodeError("iso2022_jp", data, index, index + 1, "escape")
            continue
        if byte >= 0x80:  # 8-bit bytes: the label lies
            raise UnicodeDecodeError("iso2022_jp", data, index, index + 1, "8-bit byte")
        if byte in (0x0E, 0x0F):  # shift out / in: katakana
            mode = "kana" if byte == 0x0E else "ascii"
        elif byte in (0x0A, 0x0D):
            out.append(byte)
            mode = "ascii" if mode == "kana" else mode
        elif mode == "kana" and 0x21 <= byte <= 0x5F:
            out.append(byte + 0x80)
        elif mode == "double" and 0x21 <= byte <= 0x7E and index + 1 < len(data):
            out += _jis_to_sjis(byte, data[index + 1])
            index += 1
        else:
            out.append(byte)
        index += 1
    return out.decode("cp932")


def _jis_to_sjis(first: int, second: int) -> bytes:
    lead = (first + 1) // 2 + (0x70 if first <= 0x5E else 0xB0)
    # Odd rows take the lower half of the trail byte range, even rows the upper one.
    trail = second + (0x1F if second <= 0x5F else 0x20) if first % 2 else second + 0x7E
    return bytes((lead, trail & 0xFF))


# RFC 2047 encoded words; the text may hold blanks (mailers fold inside words).
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?(.*?)\?=", re.DOTALL)
# Bytes the header parser could not decode (8-bit headers), as surrogate escapes.
_SURROGATE = re.compile("[\udc80-\udcff]")


def _word_bytes(encoding: str, text: str) -> bytes | None:
    data = text.encode("ascii", "surrogateescape")
    if encoding in "bB":
        data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        if not data or len(data) % 4 == 1:
            return None
        data += b"=" * (-len(data) % 4)
        try:
            return binascii.a2b_base64(data)
        except binascii.Error:
            return None
    return quopri.decodestring(data, header=True)


def raw_text(text: str, hint: str | None = None) -> str:
    """Raw 8-bit header text: UTF-8 when it is valid UTF-8 (what mailers that skip the
    encoding mostly write, whatever the body's charset), else the body's charset."""
    if _SURROGATE.search(text):
        data = text.encode("utf-8", "surrogateescape")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return decode_bytes(data, hint)
    return text


def decode_header_value(raw: str, hint: str | None = None) -> str:
    """A header's text: encoded words decoded with their charset (adjacent words of one
    charset together, as a character may be split between them), raw 8-bit text with
    ``hint`` (the message's charset) or detection. Never raises."""
    if raw.isascii() and "=?" not in raw:
        return raw  # no encoded word: what decoding would return, without its cost
    pieces: list[str] = []
    words: list[tuple[str, bytes]] = []  # consecutive encoded words not yet decoded
    position = 0

    def flush() -> None:
        while words:
            charset = words[0][0]
            count = next((i for i, w in enumerate(words) if w[0] != charset), len(words))
            pieces.append(decode_bytes(b"".join(w[1] for w in words[:count]), charset))
            del words[:count]

    for match in _ENCODED_WORD.finditer(raw):
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            continue  # not decodable: stays as it was written
        between = raw[position : match.start()]
        if between and not (words and between.isspace()):  # blanks between words go
            flush()
            pieces.append(raw_text(between, hint))
        words.append((match.group(1).split("*", 1)[0], data))  # RFC 2231 language
        position = match.end()
    flush()
    pieces.append(raw_text(raw[position:], hint))
    return "".join(pieces)
