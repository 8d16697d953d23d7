"""SPARQL answers as bytes: the read tasks behind ``/sparql`` and the Graph Store's GET.

A whole answer comes back as ``(content type, body)``; one larger than ``stream_after`` bytes is
spooled and streamed (``Streamed((content type, length), chunks)``), so it is complete (every
error raised) before the first byte is sent and carries its exact length.
"""

from __future__ import annotations

from service.errors import NotFound, ResultTooLarge
from service.formats import Format
from service.protocol.serializers import serialize_chunks, serialize_triples
from service.query.executor import Spool, Streamed, bounded_variant, spooled, write_capped
from service.sparqltext import single_pattern_select
from service.store.base import Dataset, GraphName, SelectResult, Store

Answer = tuple[str, bytes] | Streamed

# The most rows a one-pattern SELECT is answered with in the worker's own thread (a scan of
# this many index entries takes well under a millisecond); a larger answer needs an evaluator.
BOUNDED_ROWS = 1000


def answer(
    view: Store, text: str, dataset: Dataset, fmt: Format, stream_after: int | None
) -> Answer:
    """Evaluate a query and serialize it in ``fmt`` (negotiated by the route)."""
    result = view.query(text, dataset)
    if isinstance(result, SelectResult) and result.write is not None and fmt.results is not None:
        body = _natively(result, fmt, stream_after)
    else:
        body = spooled(serialize_chunks(result, fmt), fmt.content_type, stream_after)
    return body if isinstance(body, Streamed) else (fmt.content_type, body)


@bounded_variant(answer)
def answer_bounded(
    view: Store, text: str, dataset: Dataset, fmt: Format, stream_after: int | None
) -> Answer | None:
    """``answer``, for a SELECT of one triple pattern (``single_pattern_select``), reading at
    most ``BOUNDED_ROWS`` + 1 rows; None when it is not such a query or its answer has more
    rows (an evaluator then answers it whole)."""
    shape = single_pattern_select(text)
    if shape is None or fmt.results is None:
        return None
    if shape.limit is None:
        text += f"\nLIMIT {BOUNDED_ROWS + 1}"  # after a last comment, if there is one
    elif shape.limit > BOUNDED_ROWS:
        return None
    result = view.query(text, dataset)
    if not isinstance(result, SelectResult) or result.write is None:
        return None
    cap = result.cap
    result.cap = BOUNDED_ROWS if cap is None else min(cap, BOUNDED_ROWS)
    try:
        body = _natively(result, fmt, stream_after)
    except ResultTooLarge:
        if result.cap == cap:
            raise  # over the endpoint's own cap: the answer the evaluator would give
        return None
    return body if isinstance(body, Streamed) else (fmt.content_type, body)


def _natively(result: SelectResult, fmt: Format, stream_after: int | None) -> bytes | Streamed:
    """Rows written by the store's own serializer (no Python per row), the cap kept."""
    spool = Spool()
    try:
        write_capped(result, fmt, spool)
    except BaseException:
        spool.discard()
        raise
    return spool.whole_or_streamed(fmt.content_type, stream_after)


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
