"""The HTML a resource page repeats for every value: links, literals, quotes, property rows.

Written in Python rather than as template macros because a page shows hundreds of them and a
Jinja macro call costs several times a function call (service/web/resource_html.py puts them
in a page; templates may call the page-level ones). Every piece of text is escaped here, by
``escape_html``; the pieces are plain strings, made ``Markup`` once per call for templates
(markupsafe wraps each escaped value in a new ``Markup``: a fifth of a page's rendering).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from markupsafe import Markup

from service.query.describe import PropertyRow, Value
from service.vocab import compact
from service.web.pages import href_at

PageLink = Callable[[int], str]


def escape_html(text: str) -> str:
    """``markupsafe.escape(text)`` for a ``str``, as a plain ``str`` (the same five characters
    replaced the same way: tests/web/test_fragments.py checks it)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _context_text(prefix: str, quote: str, suffix: str) -> str:
    return (
        f'<span class="ctx">{escape_html(prefix)}</span><mark>{escape_html(quote)}</mark>'
        f'<span class="ctx">{escape_html(suffix)}</span>'
    )


def context_text(prefix: str, quote: str, suffix: str) -> Markup:
    """A quote highlighted between the text before and after it in its source."""
    return Markup(_context_text(prefix, quote, suffix))


Alternate = tuple[str, str, str]  # (label, media type, URL): conneg.Offers.alternates


def alternate_links(alternates: Iterable[Alternate]) -> Markup:
    """``<link rel="alternate">`` in a page's head for each other representation (a template
    loop cost ~10 us a page: three escapes and a loop step per format)."""
    return Markup(
        "".join(
            f'\n<link rel="alternate" type="{escape_html(mt)}" href="{escape_html(url)}" '
            f'title="{escape_html(label)}">'
            for label, mt, url in alternates
        )
    )


def format_links(alternates: Iterable[Alternate]) -> Markup:
    """The "Also as Turtle · JSON-LD · …" links of a page."""
    return Markup(
        " · ".join(
            f'<a href="{escape_html(url)}" type="{escape_html(mt)}">{escape_html(label)}</a>'
            for label, mt, url in alternates
        )
    )


#: Links and property headings written, remembered by all they depend on: the same classes,
#: properties, concepts and sources come back page after page.
MOST_REMEMBERED = 4096


@lru_cache(maxsize=MOST_REMEMBERED)
def _link(base: str, iri: str, label: str | None, short: str | None) -> str:
    """An IRI as a link to its page on the site at ``base``, named by its label (and its
    compact name ``short`` beside it)."""
    url, title, shown = href_at(base, iri), escape_html(iri), escape_html(label or short or iri)
    if url:
        out = f'<a href="{escape_html(url)}" title="{title}">{shown}</a>'
    else:
        out = f'<span class="iri" title="{title}">{shown}</span>'
    if label and short:
        out += f' <code class="curie">{escape_html(short)}</code>'
    return out


@lru_cache(maxsize=MOST_REMEMBERED)
def _heading(base: str, predicate: str, label: str | None, short: str, incoming: bool) -> str:
    """The heading of a property's row: its name linked to its page, its compact name under a
    label; "is … of" for links to the resource."""
    url, name = href_at(base, predicate), escape_html(label or short)
    if url:
        title = "" if incoming else f' title="{escape_html(predicate)}"'
        name = f'<a href="{escape_html(url)}"{title}>{name}</a>'
    curie = f'<br><code class="curie">{escape_html(short)}</code>' if label else ""
    if incoming:
        return f'<th scope="row">is {name} of\n        {curie}</th>'
    return f'<th scope="row">{name}\n      {curie}</th>'


class PageHtml:
    """The values of one resource page as HTML: links go to this host (``base``, the page's
    ``site_base()``, read once rather than through the request for every link), and a property
    with more values than fit links the page's neighbours (``page_link``)."""

    def __init__(self, base: str, page: int, per_page: int, page_link: PageLink) -> None:
        self.base, self.page, self.per_page, self.page_link = base, page, per_page, page_link

    def iri_link(self, v: Value) -> Markup:
        """An IRI as a link to its page, named by its label (and its compact name beside it)."""
        return Markup(self._iri_link(v))

    def iri_links(self, vs: Iterable[Value]) -> Markup:
        """IRIs as links, separated by commas."""
        return Markup(self._iri_links(vs))

    def rows(self, which: Iterable[PropertyRow], incoming: bool = False) -> Markup:
        """The rows of a property table."""
        make = self._incoming_row if incoming else self._prop_row
        return Markup("".join(make(row) for row in which))

    def _iri_link(self, v: Value) -> str:
        return _link(self.base, v.text, v.label, v.compact)

    def _iri_links(self, vs: Iterable[Value]) -> str:
        return ", ".join(_link(self.base, v.text, v.label, v.compact) for v in vs)

    def _literal(self, v: Value) -> str:
        """A literal value, with its language tag or datatype as a badge."""
        out = f'<span class="literal">{escape_html(v.text)}</span>'
        if v.lang:
            out += f' <span class="badge lang" title="language">@{escape_html(v.lang)}</span>'
        if v.datatype:
            url, name = href_at(self.base, v.datatype), escape_html(compact(v.datatype))
            shown = f'<a href="{escape_html(url)}">{name}</a>' if url else name
            out += f' <span class="badge dt" title="datatype">{shown}</span>'
        return out

    def _evidence(self, v: Value, quote: str) -> str:
        context = ""
        if v.prefix or v.suffix:
            context = (
                '<details class="context"><summary>In context</summary><p class="in-context">'
                f"{_context_text(v.prefix, quote, v.suffix)}</p></details>"
            )
        source = f"Source: {self._iri_link(v.source)}" if v.source else "Source not stated"
        if v.supports:
            source += " · supports " + self._iri_links(v.supports)
        return (
            f'<figure class="evidence">\n      <blockquote>{escape_html(quote)}</blockquote>\n'
            f"      {context}\n      <figcaption>\n        {source}\n      </figcaption>\n"
            "    </figure>"
        )

    def _value(self, v: Value) -> str:
        """Any object: an IRI, a literal, an evidence quote, or a blank node's own rows."""
        if v.kind == "iri":
            return self._iri_link(v)
        if v.kind == "literal":
            return self._literal(v)
        if v.quote is not None:
            return self._evidence(v, v.quote)
        rows = "".join(self._prop_row(row) for row in v.rows)
        return (
            f'<div class="bnode">\n      <table class="props nested">\n      {rows}\n'
            "      </table>\n    </div>"
        )

    def _more(self, row: PropertyRow) -> str:
        """'1–100 of 2,345 · next 100' under a property whose values go on on other pages."""
        shown = len(row.values)
        if row.total <= shown:
            return ""
        out = f"{row.first + 1:,}–{row.first + shown:,} of {row.total:,}"
        out += " · "
        if row.first > 0:
            out += f'<a href="{escape_html(self.page_link(self.page - 1))}" rel="prev">previous</a>'
        if row.first + shown < row.total:
            if row.first > 0:
                out += " · "
            url = escape_html(self.page_link(self.page + 1))
            out += f'<a href="{url}" rel="next">next {self.per_page}</a>'
        return f'<p class="more small muted">{out}</p>'

    def _prop_row(self, row: PropertyRow) -> str:
        """One property of the resource: its name, and its values (this page's)."""
        heading = _heading(self.base, row.predicate, row.label, row.compact, False)
        values = "".join(f"<li>{self._value(v)}</li>" for v in row.values)
        return (
            f"<tr>\n    {heading}\n"
            f'    <td><ul class="values">{values}</ul>{self._more(row)}</td>\n  </tr>'
        )

    def _incoming_row(self, row: PropertyRow) -> str:
        """One property linking to the resource: the resources that link, this page's."""
        heading = _heading(self.base, row.predicate, row.label, row.compact, True)
        items = []
        for v in row.values:
            via = f' <span class="muted small">(via {escape_html(v.via)})</span>' if v.via else ""
            items.append(f"<li>{self._iri_link(v)}{via}</li>")
        return (
            f"<tr>\n      {heading}\n"
            f'      <td><ul class="values">{"".join(items)}</ul>{self._more(row)}</td>\n    </tr>'
        )


def template_helpers() -> dict[str, object]:
    """The fragments templates may call (Jinja globals)."""
    return {
        "context_text": context_text,
        "alternate_links": alternate_links,
        "format_links": format_links,
    }
