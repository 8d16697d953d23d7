"""SPARQL answers as bytes: the read tasks behind ``/sparql`` and the Graph Store's GET.

A whole answer comes back as ``(content type, body)``; one larger than ``stream_after`` bytes is
spooled and streamed (``Streamed((content type, length), chunks)``), so it is complete (every
error raised) before the first byte is sent and carries its exact length.
"""

from __future__ import annotations

from service.errors import NotFound
from service.formats import Format
from service.protocol.serializers import serialize_chunks, serialize_triples
from service.query.executor import Spool, Streamed, spooled, write_capped
from service.store.base import Dataset, GraphName, SelectResult, Store

Answer = tuple[str, bytes] | Streamed


def answer(
    view: Store, text: str, dataset: Dataset, fmt: Format, stream_after: int | None
) -> Answer:
    """Evaluate a query and serialize it in ``fmt`` (negotiated by the route)."""
    result = view.query(text, dataset)
    if isinstance(result, SelectResult) and result.write is not None and fmt.results is not None:
        spool = Spool()  # the store's own serializer: no Python per row
        try:
            write_capped(result, fmt, spool)
        except BaseException:
            spool.discard()
            raise
        body = spool.whole_or_streamed(fmt.content_type, stream_after)
    else:
        body = spooled(serialize_chunks(result, fmt), fmt.content_type, stream_after)
    return body if isinstance(body, Streamed) else (fmt.content_type, body)


def graph(view: Store, name: GraphName, fmt: Format) -> Answer:
    """One graph's triples (Graph Store GET); NotFound if the caller has no such graph."""
    if not view.graph_exists(name):
        raise NotFound(f"no graph <{name.value if name else ''}>")
    return fmt.content_type, serialize_triples(view.get_graph(name), fmt, name)


def summary(view: Store) -> tuple[int, list[str]]:
    """(quads, named graphs) the caller sees: /healthz and the service description."""
    return view.triple_count(), view.graph_names()


def graph_exists(view: Store, iri: str) -> bool:
    """Whether the caller sees a named graph ``iri``."""
    return iri in view.graph_names()
