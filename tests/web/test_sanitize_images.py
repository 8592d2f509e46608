"""Images in article HTML: one without a text alternative is marked decorative."""

from __future__ import annotations

from sportello.core.sanitize import sanitize


def test_images_without_alt_get_an_empty_alt_and_described_ones_keep_theirs() -> None:
    html = (
        '<p>x<img src="cid:a@x" title="a>b&quot;c"><img src="cid:b@x" alt="Schema">'
        "<img><IMG SRC='cid:c@x' ALT=Router></p>"
    )
    cleaned = sanitize(html, cid_url=lambda cid: f"/att/{cid}").html
    assert cleaned.count("<img") == 4 and cleaned.count("alt=") == 4
    assert '<img alt="" src="/att/a@x" title="a&gt;b&quot;c">' in cleaned
    assert '<img src="/att/b@x" alt="Schema">' in cleaned
    assert '<img alt="">' in cleaned
    assert 'alt="Router"' in cleaned and 'alt=""' not in cleaned.split("/att/c@x")[1]
