"""The `cpkg` command: build the dataset, validate contributions, serve SPARQL.

Exit codes (pySHACL-style): 0 success / conforms, 1 does not conform (SHACL or quotes),
2 error the user can fix (missing sources, malformed RDF, unreadable file, bad option).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from service import __version__
from service.config import Settings
from service.errors import CpkgError, ValidationFailed

if TYPE_CHECKING:
    from service.query.executor import Executor

EXIT_OK = 0
EXIT_NONCONFORMANT = 1
EXIT_ERROR = 2


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by command-line options."""
    settings = Settings.from_env()
    overrides: dict[str, object] = {}
    if getattr(args, "sources", None):
        overrides["sources_dir"] = Path(args.sources)
    if getattr(args, "output", None):
        overrides["output_dir"] = Path(args.output)
    if getattr(args, "store_path", None):
        overrides["store_path"] = Path(args.store_path)
    return dataclasses.replace(settings, **overrides)  # type: ignore[arg-type]


def cmd_build(args: argparse.Namespace) -> int:
    from service.build.dataset import build_dataset

    report = build_dataset(_settings(args))
    print(report.summary())
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from service.build.validate import validate

    report = validate([Path(f) for f in args.files], _settings(args))
    print(report.to_json() if args.format == "json" else report.to_text())
    return EXIT_OK if report.conforms else EXIT_NONCONFORMANT


# --- Other subcommands ------------------------------------------------------------------------
# Subcommands implemented in other modules are imported lazily, so `cpkg build`/`validate` work
# even while those modules are missing or being written. Add new ones here and in _parser().


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from service.server import (
            serve,
        )  # provided by the SPARQL endpoint (service/server.py)
    except ImportError as exc:
        if getattr(exc, "name", None) not in ("service.server", None):
            raise  # service.server exists but one of *its* imports failed: show the real error
        print(
            "cpkg serve is not available: service.server.serve could not be imported "
            f"({exc}); the SPARQL endpoint is not installed in this checkout",
            file=sys.stderr,
        )
        return EXIT_ERROR
    data = [Path(f) for f in args.data or []]
    serve(_settings(args), args.host, args.port, args.workers, data)
    return EXIT_OK


def cmd_push(args: argparse.Namespace) -> int:
    """`cpkg push`: load the built dataset into a remote SPARQL store (service/store/push.py)."""
    from service.store.push import push_dataset
    from service.store.remote import RemoteStore

    settings = _settings(args)
    endpoint = args.endpoint or settings.sparql_endpoint
    if not endpoint:
        print("error: cpkg push needs --endpoint URL (or CPKG_SPARQL_ENDPOINT)", file=sys.stderr)
        return EXIT_ERROR
    store = RemoteStore(
        endpoint,
        update_endpoint=args.update_endpoint or settings.sparql_update_endpoint,
        user=args.user or settings.sparql_user,
        password=args.password or settings.sparql_password,
        auth=args.auth or settings.sparql_auth,
        token=args.token or settings.sparql_token,
        update_timeout=settings.sparql_update_timeout,
    )
    dataset = Path(args.dataset) if args.dataset else settings.output_dir / "dataset.nq"
    report = push_dataset(store, dataset, batch_size=args.batch_size, prune=args.prune)
    print(report.summary())
    return EXIT_OK


def _add_push(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    push = sub.add_parser("push", help="load the built dataset into a remote SPARQL store")
    push.add_argument("--endpoint", metavar="URL", help="query endpoint ($CPKG_SPARQL_ENDPOINT)")
    push.add_argument("--update-endpoint", metavar="URL", help="default: the query endpoint")
    push.add_argument("--user", metavar="U")
    push.add_argument("--password", metavar="P")
    push.add_argument("--auth", choices=("digest", "basic"), help="HTTP auth (default digest)")
    push.add_argument("--token", metavar="T", help="bearer token instead of user/password")
    push.add_argument("--dataset", metavar="FILE", help="default: var/dataset/dataset.nq")
    push.add_argument("--batch-size", type=int, default=2000, metavar="N")
    push.add_argument("--prune", action="store_true", help="drop graphs not in the dataset")
    push.set_defaults(func=cmd_push)


def _chain_executor(args: argparse.Namespace) -> Executor:
    """The store `cpkg chain`/`paths` read (--data files, else the configured store), behind the
    executor: the same time limit and result cap as the web routes."""
    from service.query.executor import Executor
    from service.store.configured import open_configured_store

    settings = _settings(args)
    files = [Path(f) for f in args.data or []] or None
    return Executor(open_configured_store(settings, files), settings)


def cmd_chain(args: argparse.Namespace) -> int:
    """`cpkg chain IRI`: the accountability chain(s) of a finding, force, duty or remedy."""
    from service.query.access import ADMIN
    from service.query.chain import InvalidIri, chains_of, expand_iri
    from service.query.chain_formats import chains_jsonld, chains_text, chains_turtle

    try:
        focus = expand_iri(args.iri)
    except InvalidIri as exc:
        print(
            f"error: {exc}; give an IRI or a CURIE such as cpr:finding-2016-custody",
            file=sys.stderr,
        )
        return EXIT_ERROR
    chains, known = _chain_executor(args).read(ADMIN, chains_of, focus)
    if not chains:
        why = "leads to no finding" if known else "is not in the dataset"
        print(f"error: <{focus}> {why}, so it has no accountability chain", file=sys.stderr)
        return EXIT_ERROR
    if args.format == "text":
        print(chains_text(chains), end="")
    elif args.format == "jsonld":
        import json

        print(json.dumps(chains_jsonld(focus, chains), indent=2, ensure_ascii=False))
    else:
        print(chains_turtle(chains_jsonld(focus, chains)), end="")
    return EXIT_OK


def cmd_paths(args: argparse.Namespace) -> int:
    """`cpkg paths FROM TO`: how two resources are connected, shortest paths first."""
    from service.errors import NotFound
    from service.query.access import ADMIN
    from service.query.chain import expand_iri
    from service.query.chain_formats import paths_json, paths_text
    from service.query.paths import check_max, paths_between

    source, target = expand_iri(args.source), expand_iri(args.target)
    max_length = check_max(args.max)
    executor = _chain_executor(args)
    try:
        result = executor.read(
            ADMIN, paths_between, source, target, max_length, args.limit, args.hubs
        )
    except NotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.format == "json":
        import json

        print(json.dumps(paths_json(result), indent=2, ensure_ascii=False))
    else:
        print(paths_text(result), end="")
    return EXIT_OK


def _add_chain_and_paths(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    data_help = "read these RDF files instead of the built dataset"
    chain = sub.add_parser("chain", help="print the accountability chain of a finding (or force…)")
    chain.add_argument(
        "iri", metavar="IRI", help="full IRI or CURIE, e.g. cpr:finding-2016-custody"
    )
    chain.add_argument("--format", choices=("text", "jsonld", "turtle"), default="text")
    chain.add_argument("--data", nargs="+", metavar="FILE", help=data_help)
    chain.set_defaults(func=cmd_chain)
    paths = sub.add_parser("paths", help="list how two resources are connected, shortest first")
    paths.add_argument("source", metavar="FROM", help="full IRI or CURIE")
    paths.add_argument("target", metavar="TO", help="full IRI or CURIE")
    paths.add_argument(
        "--max", default=None, metavar="N", help="most hops per path (1-6, default 4)"
    )
    paths.add_argument("--limit", type=int, default=20, metavar="N", help="most paths (default 20)")
    paths.add_argument(
        "--hubs",
        action="store_true",
        help="also follow paths through generic hubs (concepts, concept schemes, classes)",
    )
    paths.add_argument("--format", choices=("text", "json"), default="text")
    paths.add_argument("--data", nargs="+", metavar="FILE", help=data_help)
    paths.set_defaults(func=cmd_paths)


# --- Growing the graph (service/build/contribute/, docs/contributing.md) ---------------------


def _prefixed_names(text: str | None) -> list[str]:
    """``--supports rdfs:label,cpkg:count``: prefixed names of the project's prefixes."""
    from service.errors import ConfigError
    from service.vocab import PREFIXES

    names = [n for n in (text or "").replace(",", " ").split() if n]
    for name in names:
        prefix, _, local = name.partition(":")
        if prefix not in PREFIXES or not local:
            raise ConfigError(
                f"{name!r} is not a property of the project's vocabularies; write prefixed names "
                "such as rdfs:label or cpkg:count, separated by commas"
            )
    return names


def cmd_quote(args: argparse.Namespace) -> int:
    """`cpkg quote SOURCE FRAGMENT`: the passage in context and its evidence block."""
    from service.build.contribute.lookup import find_source, registered_sources
    from service.build.contribute.quoting import QuoteNotFound, pick, report

    settings = _settings(args)
    supports = _prefixed_names(args.supports)
    source = find_source(registered_sources(settings), args.source)
    try:
        anchor = pick(source, args.fragment, args.match)
    except QuoteNotFound as exc:
        print(exc)
        return EXIT_NONCONFORMANT
    print(report(anchor, args.fragment, supports))
    return EXIT_OK


def cmd_source_add(args: argparse.Namespace) -> int:
    """`cpkg source add FILE --title ...`: register a text as a new source document."""
    from service.build.contribute.register import Metadata, register

    meta = Metadata(
        title=args.title,
        kind=args.kind,
        publisher=args.publisher,
        date=args.date,
        url=args.url,
        language=args.language,
    )
    print(register(_settings(args), Path(args.file), meta).summary())
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    """`cpkg new KIND LABEL`: a skeleton of a new resource, from its class's shapes."""
    from service.build.contribute.skeletons import Request, new

    request = Request(
        kind=args.kind,
        label=args.label,
        local=args.id,
        source=args.source,
        quotes=args.quote or (),
        file=Path(args.file) if args.file else None,
    )
    print(new(_settings(args), request).summary(), end="")
    return EXIT_OK


def _add_new(sub: argparse._SubParsersAction[argparse.ArgumentParser], sources_help: str) -> None:
    from service.build.contribute.skeletons import KINDS

    new = sub.add_parser(
        "new", help="add a skeleton of a new finding, statement, ... with TODO markers"
    )
    new.add_argument("kind", choices=list(KINDS), metavar="KIND", help=", ".join(KINDS))
    new.add_argument("label", metavar="LABEL", help="its rdfs:label (the IRI is made from it)")
    new.add_argument("--id", metavar="NAME", help="the IRI's name after KIND- (default: LABEL)")
    new.add_argument("--source", metavar="SOURCE", help="the source its evidence quotes")
    new.add_argument(
        "--quote",
        action="append",
        metavar="FRAGMENT",
        help="a passage of --source to cite, roughly as written (repeatable)",
    )
    new.add_argument("--file", metavar="FILE", help="write here instead of the kind's graph/ file")
    new.add_argument("--sources", metavar="DIR", help=sources_help)
    new.set_defaults(func=cmd_new)


def _add_source(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], sources_help: str
) -> None:
    source = sub.add_parser("source", help="register source texts")
    actions = source.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", help="register a text file: copy it to the sources, describe it in graph/"
    )
    add.add_argument("file", metavar="FILE", help="the document as UTF-8 text")
    add.add_argument("--title", required=True, help="the document's title")
    add.add_argument(
        "--kind", help="news, law-firm-blog, newsletter, inspectorate-report, judgment, ..."
    )
    add.add_argument("--publisher", help="an organisation of the graph: cpr:org-... or its name")
    add.add_argument("--date", metavar="YYYY-MM-DD", help="publication date (or YYYY-MM, YYYY)")
    add.add_argument("--url", help="the address the text was taken from")
    add.add_argument("--language", default="en", help="language code (default: en)")
    add.add_argument("--sources", metavar="DIR", help=sources_help)
    add.set_defaults(func=cmd_source_add)


def _add_contribute(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], sources_help: str
) -> None:
    quote = sub.add_parser(
        "quote", help="find a passage in a source as typed and print its evidence block"
    )
    quote.add_argument("source", metavar="SOURCE", help="cpr:source-001, 001 or a file name")
    quote.add_argument("fragment", metavar="FRAGMENT", help="the passage, roughly as written")
    quote.add_argument("--match", type=int, metavar="N", help="the N-th of several matches")
    quote.add_argument(
        "--supports", metavar="PROPS", help="properties the passage states, e.g. cpkg:count"
    )
    quote.add_argument("--sources", metavar="DIR", help=sources_help)
    quote.set_defaults(func=cmd_quote)
    _add_source(sub, sources_help)
    _add_new(sub, sources_help)


# --- end of other subcommands ----------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cpkg",
        description="Knowledge graph on police child-protection failures: build, validate, serve.",
        epilog="Exit codes: 0 ok/conforms, 1 does not conform, 2 error.",
    )
    parser.add_argument("--version", action="version", version=f"cpkg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sources_help = "directory of the source texts (default: $CPKG_SOURCES_DIR or ../shared/sources)"

    build = sub.add_parser("build", help="validate the graph and write the dataset")
    build.add_argument("--sources", metavar="DIR", help=sources_help)
    build.add_argument(
        "--output",
        metavar="DIR",
        help="output directory (default: $CPKG_OUTPUT_DIR or var/dataset)",
    )
    build.set_defaults(func=cmd_build)

    validate = sub.add_parser(
        "validate", help="check RDF files against the shapes, together with the project graph"
    )
    validate.add_argument(
        "files", nargs="+", metavar="FILE", help="Turtle, N-Triples, TriG, JSON-LD or RDF/XML"
    )
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.add_argument("--sources", metavar="DIR", help=sources_help)
    validate.set_defaults(func=cmd_validate)

    serve = sub.add_parser("serve", help="serve the dataset over SPARQL")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None, metavar="N")
    serve.add_argument("--data", nargs="+", metavar="FILE", help="serve these files instead")
    serve.add_argument("--store-path", metavar="DIR", help="on-disk store (default: in memory)")
    serve.add_argument("--sources", metavar="DIR", help=sources_help)
    serve.set_defaults(func=cmd_serve)
    _add_push(sub)
    _add_chain_and_paths(sub)
    _add_contribute(sub, sources_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cpkg` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except ValidationFailed as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_NONCONFORMANT
    except CpkgError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
