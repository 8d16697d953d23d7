"""Linked data over HTTP: dereferencing, conneg, ontology docs, VoID/DCAT, dumps, escaping."""

from __future__ import annotations

import html
import json
import re
import sys

import pytest
import rdflib
import requests
from flask.testing import FlaskClient

from service.config import Settings
from service.store.embedded import EmbeddedStore

FINDING = "https://w3id.org/cpkg/id/finding-test-full"
RDF_CASES = [
    ("text/turtle", "turtle", "text/turtle"),
    ("application/ld+json", "json-ld", "application/ld+json"),
    ("application/rdf+xml", "xml", "application/rdf+xml"),
    ("application/n-triples", "nt", "application/n-triples"),
]
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")


def _graph(data: bytes, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=data, format=fmt)


@pytest.mark.parametrize(("accept", "fmt", "ctype"), RDF_CASES)
def test_resource_conneg(client: FlaskClient, accept: str, fmt: str, ctype: str) -> None:
    r = client.get("/id/finding-test-full", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == ctype
    assert "Accept" in r.headers["Vary"]
    g = _graph(r.data, fmt)
    assert (rdflib.URIRef(FINDING), None, None) in g  # canonical IRIs in RDF


@pytest.mark.parametrize(
    ("param", "ctype"),
    [
        ("format=ttl", "text/turtle"),
        ("format=jsonld", "application/ld+json"),
        ("format=rdfxml", "application/rdf+xml"),
        ("format=nt", "application/n-triples"),
        ("_mediatype=text/turtle", "text/turtle"),
        ("format=html", "text/html"),
    ],
)
def test_resource_format_override(client: FlaskClient, param: str, ctype: str) -> None:
    r = client.get(f"/id/finding-test-full?{param}", headers={"Accept": "application/rdf+xml"})
    assert r.status_code == 200 and r.mimetype == ctype


def test_resource_html_for_browsers(client: FlaskClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get("/id/finding-test-full", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "Most cases were dealt with inadequately" in page
    assert 'href="http://localhost/id/inspection-test-2016"' in page  # internal -> this host
    assert "A staggering 278 out of 374" in page  # evidence quote
    assert 'href="http://localhost/id/source-test-001"' in page  # ... with its source
    assert "xsd:integer" in page and "@en" in page  # datatype and language shown
    assert "/chain/view?focus=" in page
    r2 = client.get("/id/recommendation-test-1", headers={"Accept": "text/html"})
    assert "Referred to by" in r2.get_data(as_text=True)


def test_app_ready_before_evaluators_fork(app) -> None:  # type: ignore[no-untyped-def]
    """Pages render in forked evaluators. What a page does lazily the first time (compile a
    template, compile the URL map, import the IDNA codec) takes a lock; an evaluator forked
    while another thread held it hung on its first page until the time limit. The app does
    them before any evaluator exists."""
    env = app.jinja_env
    compiled = {key[1] for key in (env.cache or {})}
    assert set(env.list_templates(extensions=["html"])) <= compiled
    assert not app.url_map._remap  # compiled: matching takes no lock
    assert "encodings.idna" in sys.modules


def test_resource_pages_are_answered_in_the_request_thread(
    store: EmbeddedStore, settings: Settings
) -> None:
    """A page whose reads take at most ``PAGE_STEPS`` index steps is rendered in the request's
    own thread, nothing forked or waited for: the same bytes an evaluator renders, in HTML and
    in RDF. A source document's page asks SPARQL, so an evaluator renders it."""
    import pickle
    from dataclasses import replace

    from service.formats import TURTLE
    from service.query.access import ANONYMOUS
    from service.query.describe import PER_PAGE, Paging, describe_rdf
    from service.web import create_app, get_executor
    from service.web.context import APP_KEY
    from service.web.resources import resource_page

    app = create_app(replace(settings, cache_bytes=0), store)
    executor = get_executor(app)
    pool = executor._evaluators()
    evaluate, asked = pool.run_raw, []
    pool.run_raw = lambda payload, timeout: asked.append(payload[1]) or evaluate(payload, timeout)  # type: ignore[method-assign]
    html_args = (FINDING, 1, PER_PAGE, app.extensions[APP_KEY], FINDING, ())
    rdf_args = (FINDING, 1, PER_PAGE, TURTLE, Paging(FINDING), None)
    page = executor.read(ANONYMOUS, resource_page, *html_args)
    rdf = executor.read(ANONYMOUS, describe_rdf, *rdf_args)
    assert asked == []  # no evaluator
    assert "Most cases were dealt with inadequately" in page[0].decode()
    source = FINDING.replace("finding-test-full", "source-test-001")
    about = executor.read(ANONYMOUS, resource_page, source, *html_args[1:])
    assert asked == [resource_page] and b"About this document" in about[0]

    def evaluated(*payload):  # type: ignore[no-untyped-def]
        return pickle.loads(evaluate((ANONYMOUS, *payload), 10.0))

    assert evaluated(resource_page, html_args) == page
    assert evaluated(describe_rdf, rdf_args) == rdf


def test_incoming_links_and_external_links(client: FlaskClient) -> None:
    page = client.get("/id/statute-test-children-act", headers={"Accept": "text/html"}).get_data(
        as_text=True
    )
    assert 'href="http://www.legislation.gov.uk/ukpga/2004/31/section/11"' in page
    assert 'href="http://localhost/id/duty-test-safeguard"' in page  # incoming
    src = client.get("/id/source-test-001", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "finding-test-full" in src and "via" in src  # reached through the evidence node


def test_public_base_setting(app, store: EmbeddedStore) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from service.web import create_app
    from service.web.context import SETTINGS_KEY

    other = create_app(
        replace(app.extensions[SETTINGS_KEY], public_base="https://cpkg.example/"), store
    )
    page = other.test_client().get("/id/finding-test-full", headers={"Accept": "text/html"})
    assert 'href="https://cpkg.example/id/inspection-test-2016"' in page.get_data(as_text=True)
    rew = create_app(replace(app.extensions[SETTINGS_KEY], rewrite_rdf_iris=True), store)
    ttl = rew.test_client().get("/id/finding-test-full?format=nt").get_data(as_text=True)
    assert "<http://localhost/id/finding-test-full>" in ttl and FINDING not in ttl


def test_page_frame_follows_script_root_and_host(client: FlaskClient) -> None:
    """The frame's links (navigation, assets), the site base and the format links are worked
    out once per script root, host and table, not once for all: each page still links its own."""
    accept = {"Accept": "text/html"}
    for root, host in [("/cpkg", "a.example"), ("", "b.example"), ("/cpkg", "b.example")]:
        for path in ("/search?q=x", "/def"):
            text = client.get(path, base_url=f"http://{host}{root}", headers=accept).get_data(True)
            assert f'<a href="{root}/chain/view">Chains</a>' in text
            assert f'<link rel="stylesheet" href="{root}/static/cpkg.css?v=' in text
            assert f'action="{root}/search"' in text
        for path in ("/id/finding-test-full", "/id/source-test-001"):
            text = client.get(path, base_url=f"http://{host}", headers=accept).get_data(True)
            assert f'href="http://{host}/id/' in text
            assert f'<link rel="alternate" type="text/turtle" href="{path}?format=ttl"' in text


@pytest.mark.parametrize(
    "value",
    [
        FINDING,
        "https://w3id.org/cpkg/id/a b+c&d=e#f?g/h:i;j@k!l$m'n(o)p*q,r~s%t",
        "urn:x:ünïcödé “quoted” <tag> \\ ^ ` { | }",
    ],
)
def test_url_with_args_is_url_for(app, value: str) -> None:  # type: ignore[no-untyped-def]
    """Links whose query argument differs on every page are encoded as url_for encodes them."""
    from flask import url_for

    from service.web.urls import url_with_args

    for base in ("http://localhost", "http://h.example/prefix"):
        with app.test_request_context("/id/x", base_url=base):
            assert url_with_args("chains.chain_view", focus=value) == url_for(
                "chains.chain_view", focus=value
            )


@pytest.mark.parametrize("fmt", ["html", "ttl"])
def test_any_character_in_the_query_string(client: FlaskClient, fmt: str) -> None:
    """An unknown parameter is ignored whatever its characters (found by Schemathesis: one
    outside Latin-1 broke the page's request context with a 500)."""
    r = client.get("/id/finding-test-full?format=" + fmt + "&0%3C%F0%A0%85%BD=%F0%A0%85%BD")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert "finding-test-full" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    # the last two are not IRIs at all: a control character, a Unicode non-character
    ["/id/no-such-thing", "/id/%3Cscript%3E", "/id/a%20b", "/id/a%1Bb", "/id/a%EF%BF%BE"],
)
def test_unknown_iri_404(client: FlaskClient, path: str) -> None:
    assert client.get(path, headers={"Accept": "text/html"}).status_code == 404
    assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404


def test_bad_format_and_unacceptable(client: FlaskClient) -> None:
    assert client.get("/id/finding-test-full?format=pdf").status_code == 400
    r = client.get("/id/finding-test-full", headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_escaping(client: FlaskClient) -> None:
    page = client.get("/id/note-test-markup", headers={"Accept": "text/html"}).get_data(
        as_text=True
    )
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp;" in page
    assert 'href="javascript:' not in page  # unsafe IRIs are shown, never linked


@pytest.mark.parametrize(("accept", "fmt", "ctype"), RDF_CASES)
def test_def_conneg(client: FlaskClient, accept: str, fmt: str, ctype: str) -> None:
    r = client.get("/def", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == ctype and "Accept" in r.headers["Vary"]
    g = _graph(r.data, fmt)
    assert (
        rdflib.URIRef("https://w3id.org/cpkg/def#Finding"),
        rdflib.RDF.type,
        rdflib.OWL.Class,
    ) in g


def test_def_html_and_ontology_ttl(client: FlaskClient) -> None:
    page = client.get("/def", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'id="Finding"' in page and 'id="inspection"' in page  # anchors for def#Term
    assert "Concept schemes" in page and "ThemeScheme" in page
    finding = page[page.index('id="Finding"') :]
    finding = finding[: finding.index("</article>")]
    assert 'class="shapes"' in finding and "FindingShape" in finding  # SHACL on the class
    r = client.get("/ontology.ttl")
    assert r.mimetype == "text/turtle"
    assert len(_graph(r.data, "turtle")) > 100


def _void(data: bytes, fmt: str = "turtle") -> rdflib.Graph:
    return _graph(data, fmt)


@pytest.mark.parametrize(("accept", "fmt", "ctype"), [(None, "turtle", "text/turtle"), *RDF_CASES])
def test_void(
    client: FlaskClient, store: EmbeddedStore, accept: str | None, fmt: str, ctype: str
) -> None:
    r = client.get("/.well-known/void", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200 and r.mimetype == ctype
    g = _void(r.data, fmt)
    ds = rdflib.URIRef("https://w3id.org/cpkg/.well-known/void#dataset")
    assert int(g.value(ds, VOID.triples)) == store.triple_count()
    assert g.value(ds, VOID.sparqlEndpoint) == rdflib.URIRef("http://localhost/sparql")
    classes = {g.value(p, VOID["class"]) for p in g.objects(ds, VOID.classPartition)}
    assert rdflib.URIRef("https://w3id.org/cpkg/def#Finding") in classes
    assert any(g.objects(ds, VOID.propertyPartition))
    urls = {str(g.value(d, DCAT.downloadURL)) for d in g.objects(ds, DCAT.distribution)}
    for name in ("dataset.trig", "dataset.nq", "dataset.ttl", "dataset.jsonld"):
        assert f"http://localhost/dumps/{name}" in urls
    links = {
        str(g.value(ls, VOID.objectsTarget)): int(g.value(ls, VOID.triples))
        for ls in g.subjects(rdflib.RDF.type, VOID.Linkset)
    }
    assert links["https://www.legislation.gov.uk/"] == 2
    assert links["https://caselaw.nationalarchives.gov.uk/"] == 1
    assert rdflib.URIRef("https://w3id.org/cpkg/def#") in set(g.objects(ds, VOID.vocabulary))


@pytest.mark.parametrize(("name", "fmt"), [("dataset.trig", "trig"), ("dataset.nq", "nquads")])
def test_quad_dumps(client: FlaskClient, store: EmbeddedStore, name: str, fmt: str) -> None:
    r = client.get(f"/dumps/{name}")
    assert r.status_code == 200
    ds = rdflib.Dataset()
    ds.parse(data=r.data, format=fmt)
    assert len(ds) == store.triple_count()


def test_turtle_and_jsonld_dumps(client: FlaskClient, store: EmbeddedStore) -> None:
    ttl = _graph(client.get("/dumps/dataset.ttl").data, "turtle")
    assert 0 < len(ttl) <= store.triple_count()
    ctx = client.get("/context.jsonld").get_json()
    assert ctx["@context"]["cpkg"] == "https://w3id.org/cpkg/def#"
    doc = json.loads(client.get("/dumps/dataset.jsonld").data)
    assert doc["@context"] == "http://localhost/context.jsonld"
    doc["@context"] = ctx["@context"]
    ds = rdflib.Dataset()
    ds.parse(data=json.dumps(doc), format="json-ld")
    assert len(ds) == store.triple_count()


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/../pyproject.toml",
        "/dumps/..%2F..%2Fpyproject.toml",
        "/dumps/%2e%2e/etc/passwd",
        "/dumps/dataset.trig/../../etc/passwd",
        "/dumps/etc",
        "/dumps/.dataset.nq",
    ],
)
def test_dump_traversal_404(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert b"[build-system]" not in r.data and b"root:" not in r.data


def test_query_ui(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Findings by inspection" in page and "Conflicts between sources" in page
    assert "/static/vendor/yasgui.min.js" in page or "make assets" in page
    assert "https://cdn" not in page and "unpkg" not in page
    assert client.get("/query").status_code == 200


def test_chain_view(client: FlaskClient) -> None:
    page = client.get("/chain/view", query_string={"focus": FINDING}).get_data(as_text=True)
    for text in (
        "2016 test inspection of the force",
        "Alex Example",
        "Children Act 2004",
        "damages under the Human Rights Act 1998",
        "Review all open",
    ):
        assert text in page
    gaps = client.get(
        "/chain/view", query_string={"focus": "https://w3id.org/cpkg/id/finding-test-gaps"}
    ).get_data(as_text=True)
    assert "Not stated in any source" in gaps
    assert client.get("/chain/view?focus=not%20a%3Avalid%20iri").status_code == 400
    named = client.get("/chain/view?focus=zzqxv")
    assert (
        named.status_code == 200 and b"Nothing with an accountability chain matches" in named.data
    )
    assert client.get(
        "/chain/view", query_string={"focus": "https://w3id.org/cpkg/id/org-test-force"}
    ).status_code in (200, 404)
    assert client.get("/chain/view").status_code == 200


GAPS = "https://w3id.org/cpkg/id/finding-test-gaps"


def test_chain_view_quotes_claims_and_gaps(client: FlaskClient) -> None:
    page = client.get("/chain/view", query_string={"focus": FINDING}).get_data(as_text=True)
    assert "“A staggering 278 out of 374 (more than 75%) of cases reviewed" in page
    assert 'href="http://localhost/id/source-test-001"' in page  # the source, linked
    assert "Test report: force criticised for failing children" in page  # ... by its title
    assert "status-background-knowledge" in page  # the claim's epistemic status
    assert 'href="http://localhost/id/claim-test-children-act"' in page
    assert "Section 11 of the Children Act 2004 creates the safeguarding duty" in page
    assert "11 of 12 links stated" in page and 'href="#step-status"' in page
    assert 'href="http://localhost/id/post-test-commissioner"' in page  # nodes link to pages
    gaps = client.get("/chain/view", query_string={"focus": GAPS}).get_data(as_text=True)
    assert "no source names a post responsible for this finding" in gaps  # missing_reason
    assert "this finding is itself that the force had no such post" in gaps  # its reason
    assert "Why this link is missing" in gaps
    assert "4 of 12 links stated" in gaps


def test_chain_view_escapes_quotes(client: FlaskClient) -> None:
    gaps = client.get("/chain/view", query_string={"focus": GAPS}).get_data(as_text=True)
    assert "<script>alert(" not in gaps
    assert "&lt;script&gt;alert(&#39;quote&#39;)&lt;/script&gt;" in gaps


def test_chain_picker_groups_and_completeness(client: FlaskClient, store: EmbeddedStore) -> None:
    """The picker's one-query completeness agrees with get_chain, finding by finding."""
    from service.query.chain import get_chain

    page = client.get("/chain/view").get_data(as_text=True)
    assert "2016 test inspection of the force" in page and "11/12 links stated" in page
    rows = re.findall(r'data-stated="(\d+)" data-finding="([^"]+)"', page)
    assert {f for _, f in rows} >= {FINDING, GAPS}
    for stated, finding in rows:
        chain = get_chain(store, html.unescape(finding))
        expected = sum(not s.missing for s in chain.steps if s.key != "evidence")
        assert int(stated) == expected, finding


def test_live_server(live_server: str) -> None:
    """The same conneg over a real socket (what linked-data clients see)."""
    r = requests.get(
        f"{live_server}/id/finding-test-full", headers={"Accept": "text/turtle"}, timeout=30
    )
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    assert r.headers["Vary"].find("Accept") >= 0
    html = requests.get(
        f"{live_server}/id/finding-test-full", headers={"Accept": "text/html"}, timeout=30
    )
    assert f'href="{live_server}/id/inspection-test-2016"' in html.text
    void = requests.get(f"{live_server}/.well-known/void", timeout=30)
    g = _void(void.content)
    assert (None, VOID.sparqlEndpoint, rdflib.URIRef(f"{live_server}/sparql")) in g
    assert requests.get(f"{live_server}/dumps/nope", timeout=30).status_code == 404
    assert requests.get(f"{live_server}/static/vendor/../cpkg.css", timeout=30).status_code in (
        200,
        404,
    )
