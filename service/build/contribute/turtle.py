"""Writing Turtle the way graph/*.ttl is written, and only by adding to it.

The house style: the prefix block once at the top (IRIs aligned), resources grouped under banners
(a line of 65 '#', '# title', another line of '#'), one blank line between blocks, properties
indented four spaces, strings on one line. New content is inserted as whole blocks, at the end of
its section or of the file; nothing already there is rewritten, so a diff shows only what was
added. A file that does not parse is refused, and the new text must parse to exactly the old
triples plus the new ones before it replaces the old file by a rename (never half-written).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from service.build.locate import turtle_text
from service.errors import ConfigError, ParseError
from service.vocab import PREFIXES

BANNER = "#" * 65
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|<[^>\s]*>')
_PREFIXED = re.compile(r"(?<![\w:/#.-])([a-z][a-z0-9]*):(?=[A-Za-z_])")


def shown_path(path: Path) -> str:
    """A file as messages name it: relative to the working directory when it is below it or
    beside it (../sources/x.txt), else in full."""
    relative = os.path.relpath(path.resolve(), Path.cwd().resolve())
    return relative if not relative.startswith(os.path.join("..", "..")) else str(path)


def literal(text: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    """A string as the house writes it: one line, escaped, with its language tag or datatype
    (a prefixed name such as xsd:date)."""
    written = f'"{turtle_text(text)}"'
    if lang:
        return f"{written}@{lang}"
    return f"{written}^^{datatype}" if datatype else written


def used_prefixes(block: str) -> list[str]:
    """The project prefixes a piece of Turtle uses (outside strings and <IRIs>)."""
    used = set(_PREFIXED.findall(_STRING.sub('""', block)))
    return [p for p in PREFIXES if p in used]


@dataclass(frozen=True)
class Added:
    """Where a block went: the file and the 1-based line of its first line."""

    path: Path
    line: int


def add_block(path: Path, block: str, *, section: str | None = None, header: str = "") -> Added:
    """Add ``block`` (whole resources, ending in '.') to the Turtle file at ``path``: at the end
    of the section under the banner ``section`` (a new banner at the end of the file if there
    is none yet), declaring any prefix it uses that the file lacks. A missing file is created,
    starting with ``header`` (comment lines) and the prefix block."""
    with _locked(path.parent):
        old = _read(path) if path.exists() else ""
        before = _triples(old, path) if old else 0
        text = _with_prefixes(old if old else _new_file(header), used_prefixes(block))
        lines = text.rstrip("\n").split("\n")
        at = _insertion_point(lines, section)
        insert = ["", *block.rstrip("\n").split("\n")]
        if section is not None and at == len(lines) and _banner_line(lines, section) is None:
            insert = ["", BANNER, f"# {section}", BANNER, *insert]
        new = "\n".join(lines[:at] + insert + lines[at:]) + "\n"
        added = _triples(_prefix_block(new) + block, path, what="the new block")
        if _triples(new, path, what="the file with the new block") != before + added:
            raise ConfigError(f"{path}: the block would change existing triples; nothing written")
        _replace(path, new)
        first = at + len(insert) - len(block.rstrip("\n").split("\n")) + 1
        return Added(path, first)


def _new_file(header: str) -> str:
    """Comment lines, then an empty prefix block (filled by _with_prefixes)."""
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return comments + ("\n" if comments else "") + "\n"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}; nothing was written") from None


def _triples(text: str, path: Path, what: str | None = None) -> int:
    """How many triples ``text`` holds; a ParseError (nothing written) if it does not parse."""
    try:
        return len(list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)))
    except SyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        where = f"{path}:{line}" if line else str(path)
        if what is None:
            message = f"{where}: does not parse ({exc.msg}); fix it first, nothing was written"
        else:
            message = f"{path}: {what} would not parse ({exc.msg}); nothing was written"
        raise ParseError(message, path=str(path), line=line) from None


def _prefix_block(text: str) -> str:
    return "".join(line + "\n" for line in text.split("\n") if line.startswith("@prefix"))


def _with_prefixes(text: str, needed: list[str]) -> str:
    """The text with an @prefix line for each needed prefix it lacks, after its last one."""
    lines = text.split("\n")
    declared = {m.group(1) for line in lines if (m := re.match(r"@prefix\s+(\w*):", line))}
    missing = [p for p in needed if p not in declared]
    if not missing:
        return text
    last = max((n for n, line in enumerate(lines) if line.startswith("@prefix")), default=None)
    column = lines[last].find("<") if last is not None else len("@prefix dcterms: ")
    new = [f"@prefix {p}:".ljust(column - 1) + f" <{PREFIXES[p]}> ." for p in missing]
    if last is None:  # no prefix block yet: one after the leading comments and blank line
        at = next((n for n, line in enumerate(lines) if not line.startswith("#")), len(lines))
        at += 1 if at > 0 and at < len(lines) and not lines[at].strip() else 0
        return "\n".join(lines[:at] + new + [""] + lines[at:])
    return "\n".join(lines[: last + 1] + new + lines[last + 1 :])


def _banner_line(lines: list[str], section: str) -> int | None:
    """The index of the '# section' line of a banner, if the file has that banner."""
    title = f"# {section}"
    for n in range(1, len(lines) - 1):
        if lines[n] == title and lines[n - 1] == BANNER and lines[n + 1] == BANNER:
            return n
    return None


def _insertion_point(lines: list[str], section: str | None) -> int:
    """The index before which a block goes: after the last line of its section (else the file)."""
    end = len(lines)
    title = _banner_line(lines, section) if section is not None else None
    if title is not None:
        end = next((n for n in range(title + 2, len(lines)) if lines[n] == BANNER), len(lines))
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    return end


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on the directory, so two writers do not interleave."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError as exc:
        raise ConfigError(f"cannot open {directory}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _replace(path: Path, text: str) -> None:
    """Write a sibling temporary file, flush it to disk and rename it over ``path``."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        why = exc.strerror or exc
        raise ConfigError(f"cannot write {path}: {why}; nothing was written") from None
