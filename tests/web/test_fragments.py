"""The resource page's fragments escape exactly as markupsafe does."""

from __future__ import annotations

import pytest
from markupsafe import escape

from service.query.describe import Value
from service.web.fragments import PageHtml, alternate_links, escape_html, format_links

HOSTILE = [
    "",
    "plain text",
    "<script>alert('x')</script>",
    "\"quoted\" & 'single' <b>bold</b>",
    "&amp; already escaped &lt;",
    "ünïcödé — “curly” ‘quotes’ \x00\n\t",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_is_markupsafes(text: str) -> None:
    assert escape_html(text) == str(escape(text))
    assert type(escape_html(text)) is str


def test_values_are_escaped_in_links_and_literals() -> None:
    html = PageHtml("http://host/", 1, 100, lambda n: f"/id/x?page={n}")
    evil = "<script>alert('x')</script>"
    link = html.iri_link(Value("iri", "https://w3id.org/cpkg/id/a&b", label=evil, compact="c:a"))
    assert evil not in link and str(escape(evil)) in link
    assert 'href="http://host/id/a&amp;b"' in link
    unsafe = html.iri_link(Value("iri", "javascript:alert(1)"))
    assert "href=" not in unsafe  # unsafe IRIs are shown, never linked


def test_remembered_links_follow_the_site_base() -> None:
    v = Value("iri", "https://w3id.org/cpkg/id/a", label="A", compact="cpr:a")
    one, two = (PageHtml(b, 1, 100, str).iri_link(v) for b in ("http://one/", "http://two/"))
    assert 'href="http://one/id/a"' in one and 'href="http://two/id/a"' in two
    assert PageHtml("http://one/", 1, 100, str).iri_link(v) == one


def test_format_links_are_escaped_as_the_template_did() -> None:
    """The alternate and format links, written in Python, are what the template loops wrote."""
    from jinja2 import Environment

    env = Environment(autoescape=True)
    alternates = [(t, "text/turtle", f"/id/{t}?format=ttl") for t in HOSTILE[1:]]
    head = env.from_string(
        '{% for name, mt, url in alternates %}\n<link rel="alternate" type="{{ mt }}" '
        'href="{{ url }}" title="{{ name }}">{% endfor %}'
    )
    also = env.from_string(
        '{% for name, mt, url in alternates %}<a href="{{ url }}" type="{{ mt }}">{{ name }}'
        "</a>{% if not loop.last %} · {% endif %}{% endfor %}"
    )
    assert alternate_links(alternates) == head.render(alternates=alternates)
    assert format_links(alternates) == also.render(alternates=alternates)
