"""The HTML a resource page repeats for every value: links, literals, quotes, property rows.

Written in Python rather than as template macros because a page shows hundreds of them and a
Jinja macro call costs several times a function call (service/web/templates/resource.html uses
these; the page around them stays a template). Every piece of text is escaped here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from markupsafe import Markup, escape

from service.query.describe import PropertyRow, Value
from service.vocab import compact
from service.web.pages import href

PageLink = Callable[[int], str]


def iri_link(v: Value) -> Markup:
    """An IRI as a link to its page, named by its label (and its compact name beside it)."""
    url, title = href(v.text), escape(v.text)
    shown = escape(v.label or v.compact or v.text)
    if url:
        out = f'<a href="{escape(url)}" title="{title}">{shown}</a>'
    else:
        out = f'<span class="iri" title="{title}">{shown}</span>'
    if v.label and v.compact:
        out += f' <code class="curie">{escape(v.compact)}</code>'
    return Markup(out)


def literal(v: Value) -> Markup:
    """A literal value, with its language tag or datatype as a badge."""
    out = f'<span class="literal">{escape(v.text)}</span>'
    if v.lang:
        out += f' <span class="badge lang" title="language">@{escape(v.lang)}</span>'
    if v.datatype:
        url, name = href(v.datatype), escape(compact(v.datatype))
        shown = f'<a href="{escape(url)}">{name}</a>' if url else name
        out += f' <span class="badge dt" title="datatype">{shown}</span>'
    return Markup(out)


def context_text(prefix: str, quote: str, suffix: str) -> Markup:
    """A quote highlighted between the text before and after it in its source."""
    return Markup(
        f'<span class="ctx">{escape(prefix)}</span><mark>{escape(quote)}</mark>'
        f'<span class="ctx">{escape(suffix)}</span>'
    )


def _evidence(v: Value) -> str:
    context = ""
    if v.prefix or v.suffix:
        context = (
            '<details class="context"><summary>In context</summary><p class="in-context">'
            f"{context_text(v.prefix, v.quote or '', v.suffix)}</p></details>"
        )
    source = f"Source: {iri_link(v.source)}" if v.source else "Source not stated"
    if v.supports:
        source += " · supports " + ", ".join(iri_link(s) for s in v.supports)
    return (
        f'<figure class="evidence">\n      <blockquote>{escape(v.quote)}</blockquote>\n'
        f"      {context}\n      <figcaption>\n        {source}\n      </figcaption>\n"
        "    </figure>"
    )


def value(v: Value, paging: Paging | None = None) -> Markup:
    """Any object: an IRI, a literal, an evidence quote, or a blank node's own rows."""
    if v.kind == "iri":
        return iri_link(v)
    if v.kind == "literal":
        return literal(v)
    if v.quote is not None:
        return Markup(_evidence(v))
    rows = "".join(prop_row(row, paging) for row in v.rows)
    return Markup(
        f'<div class="bnode">\n      <table class="props nested">\n      {rows}\n'
        "      </table>\n    </div>"
    )


class Paging:
    """Where the other pages of a resource are, for a property with more values than fit."""

    def __init__(self, page: int, per_page: int, page_link: PageLink | None) -> None:
        self.page, self.per_page, self.page_link = page, per_page, page_link


def more(row: PropertyRow, paging: Paging | None) -> Markup:
    """'1–100 of 2,345 · next 100' under a property whose values go on on other pages."""
    shown = len(row.values)
    if row.total <= shown:
        return Markup("")
    out = f"{row.first + 1:,}–{row.first + shown:,} of {row.total:,}"
    if paging is not None and paging.page_link is not None:
        out += " · "
        if row.first > 0:
            url = escape(paging.page_link(paging.page - 1))
            out += f'<a href="{url}" rel="prev">previous</a>'
        if row.first + shown < row.total:
            if row.first > 0:
                out += " · "
            url = escape(paging.page_link(paging.page + 1))
            out += f'<a href="{url}" rel="next">next {paging.per_page}</a>'
    return Markup(f'<p class="more small muted">{out}</p>')


def _predicate(row: PropertyRow, title: bool) -> str:
    url, name = href(row.predicate), escape(row.label or row.compact)
    if not url:
        return str(name)
    shown_title = f' title="{escape(row.predicate)}"' if title else ""
    return f'<a href="{escape(url)}"{shown_title}>{name}</a>'


def prop_row(row: PropertyRow, paging: Paging | None = None) -> Markup:
    """One property of the resource: its name, and its values (this page's)."""
    curie = f'<br><code class="curie">{escape(row.compact)}</code>' if row.label else ""
    values = "".join(f"<li>{value(v, paging)}</li>" for v in row.values)
    return Markup(
        f'<tr>\n    <th scope="row">{_predicate(row, True)}\n      {curie}</th>\n'
        f'    <td><ul class="values">{values}</ul>{more(row, paging)}</td>\n  </tr>'
    )


def incoming_row(row: PropertyRow, paging: Paging | None = None) -> Markup:
    """One property linking to the resource: the resources that link, this page's."""
    curie = f'<br><code class="curie">{escape(row.compact)}</code>' if row.label else ""
    items = []
    for v in row.values:
        via = f' <span class="muted small">(via {escape(v.via)})</span>' if v.via else ""
        items.append(f"<li>{iri_link(v)}{via}</li>")
    return Markup(
        f'<tr>\n      <th scope="row">is {_predicate(row, False)} of\n        {curie}</th>\n'
        f'      <td><ul class="values">{"".join(items)}</ul>{more(row, paging)}</td>\n    </tr>'
    )


def rows(
    which: Iterable[PropertyRow], paging: Paging | None = None, incoming: bool = False
) -> Markup:
    """The rows of a property table."""
    make = incoming_row if incoming else prop_row
    return Markup("".join(make(row, paging) for row in which))


def template_helpers() -> dict[str, object]:
    """The fragments templates may call (Jinja globals)."""
    return {
        "iri_link": iri_link,
        "literal": literal,
        "context_text": context_text,
        "value": value,
        "prop_rows": rows,
        "Paging": Paging,
    }
