"""Quotes in context: offsets and the sentences around each quote, computed by the build."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from build_project import make_project

from service.build.dataset import build_dataset
from service.build.quote_context import context, locate
from service.build.search_index import SEARCH_FILE
from service.fulltext import lookup
from service.vocab import GRAPH

OA = "http://www.w3.org/ns/oa#"
TEXT = (
    "Get In Touch\n\nFirst sentence here. The inspectors said “it was bad.” Then they left. "
    "Last one!"
)


def test_context_is_the_sentence_before_and_after() -> None:
    quote = "it was bad."
    start = locate(TEXT, quote, None, None)
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


def test_locate_honours_a_given_prefix() -> None:
    text = "A said no. B said no."
    assert locate(text, "said no", "B ", None) == text.index("B said") + 2
    assert locate(text, "said no", "C ", None) == -1


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
