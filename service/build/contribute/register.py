"""`cpkg source add FILE --title ...`: register a new source text, so its passages can be quoted.

The text goes into the sources directory (CPKG_SOURCES_DIR) as ``NNN_<first 16 hex digits of its
SHA-256>.txt`` unless it is already there; graph/sources.ttl gets a cpkg:SourceDocument
``cpr:source-NNN`` (the next number) with the file name, SHA-256 and metadata, under its own banner.
Every value is one of the three kinds of assertion (docs/modelling.md): the title and the date
are evidenced by the passages of the text that state them when it does; otherwise the title is
the curators' label, and the date, the publisher and the address are claims, background knowledge
from the page at --url (or, without one, inferred claims whose reasoning is left as a TODO).
A text already registered (same SHA-256), or a registered file that has changed, is refused.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox

from service.build.contribute.lookup import in_graph_dir
from service.build.contribute.markers import marker_text
from service.build.contribute.matching import find_dates, find_passages
from service.build.contribute.quoting import Anchor, evidence_block
from service.build.contribute.turtle import Added, add_block, literal, shown_path
from service.build.loading import LoadedFile, load_project, to_store
from service.build.sources import Source, recorded_sources, resolve_sources_dir
from service.config import Settings
from service.errors import ConfigError, SourceError
from service.vocab import CPR, iri_text, sparql_prologue

KINDS_QUERY = sparql_prologue() + (
    "SELECT ?concept ?notation WHERE { ?concept skos:inScheme cpkg:DocumentTypeScheme ; "
    "skos:notation ?notation } ORDER BY ?notation"
)
NAMES_QUERY = sparql_prologue() + (
    "SELECT DISTINCT ?r ?name WHERE { { ?r rdfs:label|foaf:name|skos:altLabel ?name } UNION "
    "{ ?r cpkg:hasDatedName/(cpkg:nameText|cpkg:abbreviation) ?name } "
    f'FILTER (STRSTARTS(STR(?r), "{CPR}org-")) }}'
)
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class Metadata:
    """What the contributor says about the text (`cpkg source add` options)."""

    title: str
    kind: str | None = None
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    language: str = "en"


@dataclass
class Registration:
    """A registered text: its IRI, file, where its block went, and how each value is supported."""

    iri: str
    file_name: str
    sha256: str
    copied_to: Path | None
    added: Added | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        where = f"{shown_path(self.added.path)}:{self.added.line}" if self.added else "-"
        lines = [f"Registered {iri_text(self.iri)} ({self.file_name}, SHA-256 {self.sha256})"]
        if self.copied_to is not None:
            lines.append(f"  copied the text to {shown_path(self.copied_to)}")
        lines.append(f"  wrote {where}")
        lines += [f"  {note}" for note in self.notes]
        lines.append(f'  next: cpkg quote {iri_text(self.iri)} "a passage, as you read it"')
        return "\n".join(lines)


def register(settings: Settings, file: Path, meta: Metadata) -> Registration:
    """Register ``file`` (see the module doc); raise SourceError or ConfigError, writing
    nothing, if it is already registered, a registered file changed, or an option is wrong."""
    data = _read_text(file)
    sha = hashlib.sha256(data).hexdigest()
    files = load_project(settings)
    store = to_store(files)
    directory = resolve_sources_dir(settings).resolve()
    recorded = recorded_sources(store)
    number = _next_number(recorded)
    inside = file.resolve().parent == directory
    name = file.name if inside else f"{number:03d}_{sha[:16]}.txt"
    iri = f"{CPR}source-{number:03d}"
    source = Source(iri, name, sha, directory / name, data.decode("utf-8"))
    registration = Registration(iri, name, sha, None if inside else directory / name)
    values = _Values(_kind(store, meta.kind), _publisher(store, meta.publisher))
    block = _block(source, meta, values, registration.notes)  # checks the options first
    _refuse_duplicates(file, name, sha, recorded)
    copied = not inside and _copy(data, directory / name)
    if not copied:
        registration.copied_to = None
    try:
        registration.added = add_block(
            _sources_file(files, settings), block, section=f"{number:03d} — {meta.title}"
        )
    except BaseException:
        if copied:
            with contextlib.suppress(OSError):
                (directory / name).unlink()
        raise
    return registration


def _sources_file(files: list[LoadedFile], settings: Settings) -> Path:
    graph = {f.path.name: f.path for f in in_graph_dir(files, settings)}
    return graph.get("sources.ttl", settings.graph_dir / "sources.ttl")


def _read_text(file: Path) -> bytes:
    """The file's bytes: it must exist and hold UTF-8 text."""
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{file}: no such file; give the path of the text to register") from None
    except OSError as exc:
        raise SourceError(f"{file}: cannot read it: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{file}: not UTF-8 text ({exc}); save the document as plain UTF-8 text "
            "(e.g. copy the article's text into a .txt file) and register that"
        ) from None
    if not text.strip():
        raise SourceError(f"{file}: the file is empty; there is nothing to quote")
    return data


def _next_number(recorded: list[tuple[str, str | None, str | None]]) -> int:
    numbers = [int(m.group(1)) for iri, _, _ in recorded if (m := re.search(r"source-(\d+)$", iri))]
    return max(numbers, default=-1) + 1


def _refuse_duplicates(
    file: Path, name: str, sha: str, recorded: list[tuple[str, str | None, str | None]]
) -> None:
    for iri, recorded_name, recorded_sha in recorded:
        if recorded_sha == sha:
            raise SourceError(
                f"{file} is already registered: {iri_text(iri)} ({recorded_name}) has the same "
                "SHA-256; nothing was written. Quote it with "
                f'`cpkg quote {iri_text(iri)} "a passage"`'
            )
        if recorded_name == name:
            raise SourceError(
                f"{file} has changed since it was registered as {iri_text(iri)}: the graph "
                f"records SHA-256 {recorded_sha}, the file now has {sha}. A registered text must "
                "not change (the quotes and their offsets rest on it): restore the registered "
                "version, or save the new one under another name and register that; nothing "
                "was written"
            )


def _pairs(store: ox.Store, query: str) -> dict[str, str]:
    """{second variable: first variable} of a two-variable SELECT, as strings."""
    rows = store.query(query, use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    return {str(row[1].value): str(row[0].value) for row in rows}


def _kind(store: ox.Store, kind: str | None) -> str | None:
    """The cpkg:DocumentTypeScheme concept whose skos:notation is ``kind``."""
    if kind is None:
        return None
    kinds = _pairs(store, KINDS_QUERY)
    if kind not in kinds:
        raise ConfigError(
            f"--kind {kind!r} is not a document type; use one of {', '.join(kinds)} (the "
            "skos:notation of the concepts of cpkg:DocumentTypeScheme in ontology/concepts.ttl, "
            "where a new kind is added)"
        )
    return kinds[kind]


def _publisher(store: ox.Store, publisher: str | None) -> str | None:
    """The organisation ``publisher`` names: its IRI or CURIE, or one of its names."""
    if publisher is None:
        return None
    names = _pairs(store, NAMES_QUERY)
    wanted = publisher.strip().strip("<>")
    iris = set(names.values())
    for iri in iris:
        if wanted in (iri, iri_text(iri)):
            return iri
    by_name = {n.casefold(): iri for n, iri in names.items()}
    if wanted.casefold() in by_name:
        return by_name[wanted.casefold()]
    close = difflib.get_close_matches(wanted, list(names), n=4, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ConfigError(
        f"--publisher {publisher!r} is not an organisation of the graph.{hint} Give the IRI or a "
        "name of one (cpr:org-…), or describe the publisher in graph/organisations.ttl first"
    )


@dataclass(frozen=True)
class _Values:
    kind: str | None
    publisher: str | None


def _date(text: str) -> tuple[str, tuple[int, int | None, int | None]]:
    """``--date`` as a typed literal (xsd:date, xsd:gYearMonth or xsd:gYear) and its parts."""
    match = DATE.match(text.strip())
    parts = [int(g) if g else None for g in match.groups()] if match else []
    datatype = {1: "xsd:gYear", 2: "xsd:gYearMonth", 3: "xsd:date"}.get(
        sum(p is not None for p in parts), ""
    )
    valid = bool(match) and (parts[1] is None or 1 <= parts[1] <= 12)
    valid = valid and (parts[2] is None or 1 <= parts[2] <= 31)
    if not valid:
        raise ConfigError(f"--date {text!r} is not a date; write YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = parts
    assert year is not None
    return literal(text.strip(), datatype=datatype), (year, month, day)


def _url(url: str) -> str:
    parts = urlsplit(url.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or re.search(r'[\s<>"{}|\\^`]', url.strip())
    ):
        raise ConfigError(f"--url {url!r} is not an http(s) address; give the page's full address")
    return url.strip()


def _block(source: Source, meta: Metadata, values: _Values, notes: list[str]) -> str:
    """The source's Turtle block and the claims for the values its text does not state."""
    if not meta.title.strip():
        raise ConfigError("--title must not be empty: give the document's title")
    number = source.iri.rsplit("-", 1)[-1]
    props = [f"rdfs:label {literal(meta.title.strip(), lang='en')}"]
    evidence: list[tuple[Anchor, list[str]]] = []
    title = find_passages(source.text, meta.title)
    if title:
        anchor = Anchor(source, *title[0])
        props.append(f"dcterms:title {literal(anchor.exact)}")
        evidence.append((anchor, ["dcterms:title", "rdfs:label"]))
        notes.append(f"title: stated by the text ({anchor.where()}): evidenced")
    else:
        notes.append("title: not found in the text: an rdfs:label in the curators' words")
    props += [f"cpkg:fileName {literal(source.file_name)}", f"cpkg:sha256 {literal(source.sha256)}"]
    props += [f"cpkg:documentType {iri_text(values.kind)}"] if values.kind else []
    props.append(f"dcterms:language {literal(meta.language)}")
    claims: list[str] = []
    url = _url(meta.url) if meta.url else None
    if values.publisher:
        props.append(f"dcterms:publisher {iri_text(values.publisher)}")
        claims.append(
            _claim(
                source.iri,
                number,
                "publisher",
                "dcterms:publisher",
                iri_text(values.publisher),
                url,
                notes,
            )
        )
    if meta.date:
        value, (year, month, day) = _date(meta.date)
        props.append(f"dcterms:date {value}")
        spans = find_dates(source.text, year, month, day)
        if spans:
            anchor = Anchor(source, *spans[0])
            evidence.append((anchor, ["dcterms:date"]))
            notes.append(f"date: stated by the text ({anchor.where()}): evidenced")
        else:
            claims.append(_claim(source.iri, number, "date", "dcterms:date", value, url, notes))
    if url:
        props.append(f"schema:url <{url}>")
        claims.append(_claim(source.iri, number, "url", "schema:url", f"<{url}>", url, notes))
    head = f"{iri_text(source.iri)} a cpkg:SourceDocument ;"
    lines = [head, *(f"    {p} ;" for p in props)]
    if evidence:
        lines += [
            evidence_block(a, s, last=(n == len(evidence) - 1)) for n, (a, s) in enumerate(evidence)
        ]
    else:
        lines[-1] = lines[-1][: -len(" ;")] + " ."
    return "\n".join(lines) + "".join(f"\n\n{c}" for c in claims) + "\n"


def _claim(
    iri: str, number: str, what: str, predicate: str, value: str, url: str | None, notes: list[str]
) -> str:
    """A claim for a value the text does not state: background knowledge from the page at
    ``url``, or without one an inferred claim whose reasoning is a TODO marker."""
    claim = f"cpr:claim-source-{number}-{what}"
    if url:
        status, kind = "cpkg:BackgroundKnowledge", "background knowledge"
        reasoning = (
            f"The contributor took the text from {url} when registering it (cpkg source add)."
            if what == "url"
            else f"Given by the contributor who registered the text (cpkg source add), from the "
            f"page it was taken from ({url}); the text itself does not state it."
        )
        grounds = f"dcterms:source <{url}>"
        notes.append(f"{what}: not in the text: {claim}, background knowledge from the page")
    else:
        status, kind = "cpkg:Inferred", "inferred"
        reasoning = marker_text(f"why source {number}'s {what} is {value}: what shows it")
        grounds = f"prov:wasDerivedFrom {iri_text(iri)}"
        notes.append(
            f"{what}: not in the text and no --url: {claim} is an inferred claim; write its "
            "cpkg:reasoning (a TODO marker) before `cpkg build`"
        )
    return "\n".join(
        [
            f"{claim} a cpkg:Claim ;",
            f"    rdfs:label {literal(f'Source {number}’s {what}: {value} ({kind})', lang='en')} ;",
            f"    rdf:subject {iri_text(iri)} ; rdf:predicate {predicate} ; rdf:object {value} ;",
            f"    cpkg:epistemicStatus {status} ;",
            f"    cpkg:reasoning {literal(reasoning, lang='en')} ;",
            f"    {grounds} .",
        ]
    )


def _copy(data: bytes, target: Path) -> bool:
    """Put the text in the sources directory by a rename; False if it is there already."""
    if target.exists():
        if target.read_bytes() == data:
            return False
        raise SourceError(f"{target} exists with other content; nothing was written")
    if not target.parent.stat().st_mode & 0o222:  # read-only by intent, even to root
        raise SourceError(
            f"the sources directory {target.parent} is read-only; point CPKG_SOURCES_DIR (or "
            "--sources) at a writable copy of it, or put the text there yourself; nothing was "
            "written"
        )
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise SourceError(
            f"cannot copy the text into the sources directory {target.parent}: "
            f"{exc.strerror or exc}; point CPKG_SOURCES_DIR (or --sources) at a writable copy"
        ) from None
    return True
