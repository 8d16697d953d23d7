"""Quotes in context: offsets and the sentences around each quote, computed by the build."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from build_project import make_project

from service.build.dataset import build_dataset
from service.build.quote_context import CONTEXT_GRAPH, context, quote_context
from service.build.search_index import SEARCH_FILE
from service.build.sources import Source, occurrence
from service.fulltext import lookup
from service.vocab import GRAPH

OA = "http://www.w3.org/ns/oa#"
TEXT = (
    "Get In Touch\n\nFirst sentence here. The inspectors said “it was bad.” Then they left. "
    "Last one!"
)


def test_context_is_the_sentence_before_and_after() -> None:
    quote = "it was bad."
    start = occurrence(TEXT, quote, None, None)
    assert TEXT[start : start + len(quote)] == quote
    prefix, suffix = context(TEXT, start, start + len(quote))
    assert prefix == "First sentence here. The inspectors said “"
    assert suffix == "” Then they left."
    assert TEXT[:start].endswith(prefix) and TEXT[start + len(quote) :].startswith(suffix)


def test_context_at_the_edges_of_the_text() -> None:
    prefix, suffix = context(TEXT, 0, len("Get In Touch"))
    assert prefix == "" and suffix == "\n\nFirst sentence here."
    start = TEXT.index("Last one!")
    prefix, suffix = context(TEXT, start, len(TEXT))
    assert prefix == "Then they left. " and suffix == ""


def test_a_quote_is_found_after_its_given_prefix() -> None:
    text = "A said no. B said no."
    assert occurrence(text, "said no", "B ", None) == text.index("B said") + 2
    assert occurrence(text, "said no", "C ", None) == -1


def test_build_writes_offsets_context_and_search_index(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    build_dataset(settings)
    store = ox.Store()
    store.load(path=str(settings.output_dir / "dataset.trig"), format=ox.RdfFormat.TRIG)
    rows = list(
        store.query(
            f"""SELECT ?exact ?start ?end ?prefix ?suffix ?file WHERE {{
              ?e <{OA}hasSource>/<https://w3id.org/cpkg/def#fileName> ?file ;
                 <{OA}hasSelector> ?sel .
              ?sel a <{OA}TextQuoteSelector>, <{OA}TextPositionSelector> ; <{OA}exact> ?exact .
              GRAPH <{GRAPH}quote-context> {{
                ?sel <{OA}start> ?start ; <{OA}end> ?end ; <{OA}prefix> ?prefix ;
                     <{OA}suffix> ?suffix }} }}""",
            use_default_graph_as_union=True,
        )
    )
    assert rows, "every quote gets offsets and context"
    for row in rows:
        text = (settings.sources_dir / row["file"].value).read_text(encoding="utf-8")
        start, end = int(row["start"].value), int(row["end"].value)
        assert text[start:end] == row["exact"].value
        assert text[:start].endswith(row["prefix"].value)
        assert text[end:].startswith(row["suffix"].value)
    index = settings.output_dir / SEARCH_FILE
    found = lookup(index, rows[0]["exact"].value)
    assert found and found[0].field == "quote", "quotes are searchable in the built index"


def test_offsets_written_by_cpkg_quote_are_not_given_twice() -> None:
    """A selector with its own oa:start/oa:end (cpkg quote writes them) keeps just those; the
    build adds only the context it lacks, and both kinds of selector get their offsets once."""
    n, lit = ox.NamedNode, ox.Literal
    src = "https://w3id.org/cpkg/id/source-x"
    store = ox.Store()
    for name, given in (("given", True), ("plain", False)):
        ev, sel = n(f"urn:x:ev-{name}"), n(f"urn:x:sel-{name}")
        quads = [
            (ev, n(OA + "hasSource"), n(src)),
            (ev, n(OA + "hasSelector"), sel),
            (
                sel,
                n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                n(OA + "TextQuoteSelector"),
            ),
            (sel, n(OA + "exact"), lit("it was bad.")),
        ]
        if given:
            quads += [(sel, n(OA + "start"), lit("56")), (sel, n(OA + "end"), lit("67"))]
        store.extend(ox.Quad(*q, n("urn:x:g")) for q in quads)
    source = Source(src, "x.txt", "0" * 64, Path("x.txt"), TEXT)
    generated = ox.Store()
    generated.extend(quote_context(store, {src: source}).quads)
    for name, starts in (("given", 0), ("plain", 1)):
        sel = ox.NamedNode(f"urn:x:sel-{name}")
        got = list(
            generated.quads_for_pattern(sel, ox.NamedNode(OA + "start"), None, CONTEXT_GRAPH)
        )
        assert len(got) == starts
        if starts:
            assert int(got[0].object.value) == TEXT.index("it was bad.")
        assert list(generated.quads_for_pattern(sel, ox.NamedNode(OA + "prefix"), None, None))
