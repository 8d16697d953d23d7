"""The HTML page of a resource, written in Python around the site's frame (service/web/frame.py).

A crawler or a reader walking the graph asks for one resource page after another, each a
different one, so the page is built for speed: the values come from ``fragments.PageHtml``, the
frame is base.html rendered once per host, and no Flask request context or template is needed,
except for a source document's "About this document" sections (templates/source_summary.html),
which only those few pages show.
"""

from __future__ import annotations

from service.formats import HTML
from service.protocol.conneg import RESOURCE
from service.query.describe import Description, Paging
from service.web.fragments import PageHtml, PageLink, alternate_links, escape_html, format_links
from service.web.frame import PageSite
from service.web.urls import with_args


def resource_html(
    desc: Description,
    site: PageSite,
    path: str,
    kept: tuple[tuple[str, str], ...],
    about: str | None = None,
) -> str:
    """The page of ``desc`` at ``path`` on ``site`` (``kept``: the query arguments each page of
    links keeps; ``about``: a source document's sections, as HTML)."""
    page_link = Paging(path, kept).page
    values = PageHtml(site.base, desc.page, desc.per_page, page_link)
    alternates = RESOURCE.alternates(path, HTML)
    types = "".join(f'<span class="type">{values.iri_link(t)}</span>' for t in desc.types)
    label = escape_html(desc.label)
    content = (
        '\n\n<section class="card resource-head">\n'
        f'  <p class="types">{types or _NO_TYPE}</p>\n'
        f"  <h1>{label}</h1>\n"
        f'  <p class="iri-line"><code>{escape_html(desc.iri)}</code></p>\n'
        f'  <p class="formats">Also as {format_links(alternates)}\n'
        f"  {_chain_link(desc, site)}</p>\n"
        f"  {_pager(desc, page_link)}\n"
        f"  {_graphs(desc, values)}\n"
        "</section>\n\n"
        f"{'' if about is None else _lines(about)}"
        '\n\n<section class="card">\n  <h2>Statements about it</h2>\n  '
        f"{_statements(desc, values)}\n</section>\n\n"
        '<section class="card">\n  <h2>Referred to by</h2>\n  '
        f"{_incoming(desc, values)}\n</section>\n"
    )
    return site.page(label, alternate_links(alternates), content)


_NO_TYPE = '<span class="type muted">no type stated</span>'


def _lines(html: str) -> str:
    """``html`` on lines of its own."""
    return f"\n{html}\n"


def _chain_link(desc: Description, site: PageSite) -> str:
    if not desc.chainable:
        return ""
    url = escape_html(with_args(site.chain_view, focus=desc.iri))
    return f' · <a class="button" href="{url}">View accountability chain</a>'


def _pager(desc: Description, page_link: PageLink) -> str:
    if desc.pages <= 1:
        return ""
    out = (
        '<nav class="pager small" aria-label="Pages of links">'
        f"Page {desc.page} of {desc.pages} ({desc.total_links:,} links; "
        f"up to {desc.per_page} per property on each page)"
    )
    if desc.page > 1:
        out += f' · <a href="{escape_html(page_link(desc.page - 1))}" rel="prev">previous page</a>'
    if desc.page < desc.pages:
        out += f' · <a href="{escape_html(page_link(desc.page + 1))}" rel="next">next page</a>'
    return out + "</nav>"


def _graphs(desc: Description, values: PageHtml) -> str:
    if not desc.graphs:
        return ""
    plural = "s" if len(desc.graphs) > 1 else ""
    return f'<p class="muted small">Stated in graph{plural}: {values.iri_links(desc.graphs)}</p>'


def _statements(desc: Description, values: PageHtml) -> str:
    if not desc.rows:
        return (
            '<p class="muted">The dataset states nothing about this resource directly; '
            "it is only referred to.</p>"
        )
    return f'\n  <table class="props">{values.rows(desc.rows)}</table>\n  '


def _incoming(desc: Description, values: PageHtml) -> str:
    if not desc.incoming:
        return '<p class="muted">Nothing in the dataset links to this resource.</p>'
    return (
        f'\n  <table class="props incoming">\n  {values.rows(desc.incoming, True)}\n  </table>\n  '
    )
