"""Charsets as real mail uses them: supersets under the usual labels, labels that lie, and
sender names that break the rules. Every message is built here, byte by byte."""

from __future__ import annotations

import base64

import pytest

from sportello.mail.charsets import codec_for, decode_bytes, decode_header_value
from sportello.mail.parsing import parse_message


def raw_mail(*, subject: bytes = b"x", sender: bytes = b"a@example.org", body: bytes = b"",
             charset: bytes = b"utf-8", encoding: bytes = b"8bit") -> bytes:  # fmt: skip
    return (
        b"From: " + sender + b"\r\nTo: wlan@helpdesk.example.org\r\nSubject: " + subject
        + b"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=" + charset
        + b"\r\nContent-Transfer-Encoding: " + encoding + b"\r\n\r\n" + body
    )  # fmt: skip


def word(text: str, codec: str, label: str) -> bytes:
    return f"=?{label}?B?{base64.b64encode(text.encode(codec)).decode()}?=".encode()


# Each text has a character its label's strict codec lacks.
SUPERSET_CASES = [
    ("朱镕基的邮件", "gb18030", "GB2312"),  # 镕: GBK, not GB2312
    ("佢哋嘅電郵", "big5hkscs", "Big5"),  # 嘅: HKSCS
    ("①番の髙橋さん", "cp932", "Shift_JIS"),  # ①: NEC row 13; 髙: IBM extension
    ("똠방각하 메일", "cp949", "KS_C_5601-1987"),  # 똠: Unified Hangul Code
]


@pytest.mark.parametrize(("text", "codec", "label"), SUPERSET_CASES)
def test_labels_are_read_as_their_superset(text: str, codec: str, label: str) -> None:
    with pytest.raises(UnicodeDecodeError):
        text.encode(codec).decode(label)  # what a strict reading does
    message = parse_message(
        raw_mail(
            subject=word(text, codec, label),
            sender=word(text, codec, label) + b" <a@example.org>",
            body=text.encode(codec) + b"\r\n",
            charset=label.encode(),
        )
    )
    assert message.subject == text
    assert message.from_ is not None
    assert (message.from_.name, message.from_.email) == (text, "a@example.org")
    assert message.body_text.strip() == text


def test_gbk_base64_body_labelled_gb2312() -> None:
    body = base64.encodebytes("附件 镕".encode("gb18030"))
    message = parse_message(raw_mail(body=body, charset=b'"gb2312"', encoding=b"base64"))
    assert message.body_text.strip() == "附件 镕"


def _iso_2022_jp_microsoft() -> bytes:
    # As Outlook writes it (CP50221): ① in NEC row 13 (JIS 0x2D21), 髙 in the IBM rows
    # (0x7C62), テスト in JIS X 0208, then half-width ｱ by the JIS X 0201 escape.
    return b"Re: \x1b$B\x2d\x21\x25\x46\x25\x39\x25\x48\x7c\x62\x1b(B \x1b(I\x31\x1b(B ok"


def test_iso_2022_jp_with_microsoft_extensions() -> None:
    data = _iso_2022_jp_microsoft()
    with pytest.raises(UnicodeDecodeError):
        data.decode("iso2022_jp")
    assert decode_bytes(data, "ISO-2022-JP") == "Re: ①テスト髙 ｱ ok"
    subject = b"=?ISO-2022-JP?B?" + base64.b64encode(data) + b"?="
    message = parse_message(raw_mail(subject=subject, body=data, charset=b"iso-2022-jp"))
    assert message.subject == "Re: ①テスト髙 ｱ ok"
    assert message.body_text == "Re: ①テスト髙 ｱ ok"


def test_standard_iso_2022_jp_keeps_the_standard_reading() -> None:
    data = "日本語のテキスト〜".encode("iso2022_jp")
    assert decode_bytes(data, "iso-2022-jp") == "日本語のテキスト〜"


def test_shift_jis_labelled_iso_2022_jp() -> None:
    # A lying label: 8-bit Shift_JIS under a 7-bit label, in a short body and subject.
    text = "お問い合わせ"
    message = parse_message(
        raw_mail(
            subject=word(text, "cp932", "ISO-2022-JP"),
            body=text.encode("cp932"),
            charset=b"ISO-2022-JP",
        )
    )
    assert message.subject == text
    assert message.body_text == text
    euc = "お問い合わせ".encode("euc_jp")
    assert decode_bytes(euc, "iso-2022-jp") == text


@pytest.mark.parametrize("label", ["UTF-7", "unicode-1-1-utf-7", "x-unicode-2-0-utf-7"])
def test_utf_7(label: str) -> None:
    data = "Grüße, 日本".encode("utf-7")
    subject = word("Grüße, 日本", "utf-7", label)
    message = parse_message(raw_mail(subject=subject, body=data, charset=label.encode()))
    assert message.body_text == "Grüße, 日本" and message.subject == "Grüße, 日本"
    assert codec_for(label) == "utf-7"


def test_latin_1_label_reads_windows_punctuation() -> None:
    body = b"\x93quoted\x94 \x80 10"
    assert decode_bytes(body, "iso-8859-1") == "\u201cquoted\u201d \u20ac 10"
    assert decode_bytes(b"\x81", "iso-8859-1") == "\x81"  # undefined in Windows-1252


def test_a_character_split_between_two_encoded_words() -> None:
    data = "漢字テスト".encode()
    first, second = base64.b64encode(data[:4]).decode(), base64.b64encode(data[4:]).decode()
    value = f"=?UTF-8?B?{first}?=\r\n =?UTF-8?B?{second}?= (ok)"
    assert decode_header_value(value) == "漢字テスト (ok)"


def test_one_bad_word_does_not_undo_the_others() -> None:
    value = "=?utf-8?Q?Gr=C3=BC=C3=9Fe?= und =?x-no-such-charset?Q?caf=E9?= =?utf-8?B?!!!?="
    assert decode_header_value(value) == "Grüße und café =?utf-8?B?!!!?="


def test_unknown_label_falls_back_to_utf_8_then_detection() -> None:
    assert decode_bytes("Grüße".encode(), "x-unknown") == "Grüße"
    long_text = ("Это письмо написано по-русски, без указания кодировки. " * 4).encode("cp1251")
    assert "по-русски" in decode_bytes(long_text, None)


@pytest.mark.parametrize(
    ("header", "name", "email"),
    [
        (b'"Max "Maxi" Muster" <max@example.org>', "Max Maxi Muster", "max@example.org"),
        (b'"Muster, Max <max@example.org>', "Muster, Max", "max@example.org"),
        (b'"max@example.org <max@example.org>"', "", "max@example.org"),
        (b'"max@example.org"', "", "max@example.org"),
        (b"Max Muster max@example.org", "Max Muster", "max@example.org"),
        (b"=?utf-8?Q?Muster=2C_Max?= <max@example.org>", "Muster, Max", "max@example.org"),
        (b"=?us-ascii?Q?J=C3=BCrgen?= <j@example.org>", "Jürgen", "j@example.org"),
        (b"J\xc3\xbcrgen M\xc3\xbcller <j@example.org>", "Jürgen Müller", "j@example.org"),
        (b'"M\xfcller, J\xf6rg" <j@example.org>', "Müller, Jörg", "j@example.org"),
        (b'"=?utf-8?B?w4RrZQ==?=" <ake@example.org>', "Äke", "ake@example.org"),
        (b"<max@example.org>", "", "max@example.org"),
        ("金田\u3000美羽 <k@example.org>".encode(), "金田\u3000美羽", "k@example.org"),
        (b"=?iso-8859-2?Q?Namedy=F1ski?= (n@example.org)", "Namedyński", "n@example.org"),
    ],
)
def test_broken_sender_names_still_yield_the_address(header: bytes, name: str, email: str) -> None:
    # The body is Latin-1: raw 8-bit names in UTF-8 are still read as UTF-8.
    message = parse_message(raw_mail(sender=header, body=b"K\xe4se", charset=b"iso-8859-1"))
    assert message.from_ is not None
    assert (message.from_.name, message.from_.email) == (name, email)


def test_several_recipients_with_a_broken_one() -> None:
    raw = raw_mail().replace(
        b"To: wlan@helpdesk.example.org",
        b'To: "Muster, Max <max@example.org>, Anna <anna@example.org>',
    )
    assert [a.email for a in parse_message(raw).to] == ["max@example.org", "anna@example.org"]


def test_a_recipient_without_at_sign_is_kept_as_written() -> None:
    raw = raw_mail().replace(b"To: wlan@helpdesk.example.org", b"To: helpdesk-team")
    assert [a.email for a in parse_message(raw).to] == ["helpdesk-team"]
    raw = raw_mail().replace(b"To: wlan@helpdesk.example.org", b"To: Max <max at example>")
    assert parse_message(raw).to == []
