"""What the contribution commands look up in the project: its data files, the registered sources,
and a source named the way people name it (cpr:source-005, source-005, 005, a file)."""

from __future__ import annotations

from pathlib import Path

from service.build.loading import LoadedFile, load_project, to_store
from service.build.sources import Source, load_sources
from service.config import Settings
from service.errors import SourceError
from service.vocab import CPR, iri_text


def in_graph_dir(files: list[LoadedFile], settings: Settings) -> list[LoadedFile]:
    """The files of graph/ (the data), without the ontology's."""
    directory = settings.graph_dir.resolve()
    return [f for f in files if f.path.resolve().parent == directory]


def registered_sources(
    settings: Settings, files: list[LoadedFile] | None = None
) -> dict[str, Source]:
    """The graph's cpkg:SourceDocument resources with their texts, each checked against its
    SHA-256 (a SourceError says which file is missing or changed)."""
    data = in_graph_dir(files if files is not None else load_project(settings), settings)
    return load_sources(to_store(data), settings)


def find_source(sources: dict[str, Source], ref: str) -> Source:
    """The source ``ref`` names: its IRI or CURIE, ``source-NNN``, its number, or its file."""
    text = ref.strip()
    wanted = {text, Path(text).name}
    if text.isdigit():
        wanted.add(f"{CPR}source-{int(text):03d}")
    for form in (text, text.removeprefix("cpr:"), text.strip("<>")):
        wanted.add(form if form.startswith("http") else f"{CPR}{form}")
    for source in sources.values():
        if source.iri in wanted or source.file_name in wanted:
            return source
    known = ", ".join(f"{iri_text(s.iri)} ({s.file_name})" for s in sources.values()) or "none"
    raise SourceError(
        f"no registered source {ref!r}; the graph's sources are: {known}. Name one by its IRI "
        "(cpr:source-001), its number (001) or its file name, or register a new text with "
        "`cpkg source add FILE --title TITLE`"
    )
