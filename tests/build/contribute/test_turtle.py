"""House-style Turtle writing (service/build/contribute/turtle.py): only additions, atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.build.contribute.turtle import BANNER, add_block, literal, used_prefixes
from service.errors import ParseError

FILE = f"""# Findings.

@prefix cpkg:    <https://w3id.org/cpkg/def#> .
@prefix cpr:     <https://w3id.org/cpkg/id/> .

{BANNER}
# First
{BANNER}

cpr:finding-a a cpkg:Finding .

{BANNER}
# Second
{BANNER}

cpr:finding-b a cpkg:Finding .
"""
BLOCK = 'cpr:finding-c a cpkg:Finding ;\n    rdfs:label "C"@en .\n'


def test_literal_escapes_and_tags() -> None:
    assert literal('say "hi"\n') == '"say \\"hi\\"\\n"'
    assert literal("x", lang="en") == '"x"@en' and literal("2024", datatype="xsd:gYear") == (
        '"2024"^^xsd:gYear'
    )


def test_used_prefixes_ignore_strings_and_iris() -> None:
    block = 'cpr:a rdfs:label "oa:x and <b>" ; schema:url <https://e.org/a:b> ; cpkg:n 1 .'
    assert used_prefixes(block) == ["cpkg", "cpr", "rdfs", "schema"]


def test_a_block_goes_at_the_end_of_its_section_with_missing_prefixes(tmp_path: Path) -> None:
    path = tmp_path / "findings.ttl"
    path.write_text(FILE, encoding="utf-8")
    added = add_block(path, BLOCK, section="First")
    text = path.read_text(encoding="utf-8")
    assert text == FILE.replace(
        "@prefix cpr:     <https://w3id.org/cpkg/id/> .\n",
        "@prefix cpr:     <https://w3id.org/cpkg/id/> .\n"
        "@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .\n",
    ).replace("cpr:finding-a a cpkg:Finding .\n", f"cpr:finding-a a cpkg:Finding .\n\n{BLOCK}")
    assert text.splitlines()[added.line - 1] == "cpr:finding-c a cpkg:Finding ;"
    assert list(tmp_path.iterdir()) == [path], "no temporary file left behind"


def test_a_new_section_gets_a_banner_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "findings.ttl"
    path.write_text(FILE, encoding="utf-8")
    add_block(path, BLOCK, section="Third")
    assert path.read_text(encoding="utf-8").endswith(
        f"cpr:finding-b a cpkg:Finding .\n\n{BANNER}\n# Third\n{BANNER}\n\n{BLOCK}"
    )


def test_a_new_file_starts_with_its_header_and_prefixes(tmp_path: Path) -> None:
    path = tmp_path / "mine.ttl"
    added = add_block(path, BLOCK, header="My notes.")
    assert path.read_text(encoding="utf-8") == (
        "# My notes.\n\n"
        "@prefix cpkg:    <https://w3id.org/cpkg/def#> .\n"
        "@prefix cpr:     <https://w3id.org/cpkg/id/> .\n"
        "@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
        f"{BLOCK}"
    )
    assert added.line == 7


def test_nothing_is_written_to_a_file_that_does_not_parse_or_for_a_bad_block(
    tmp_path: Path,
) -> None:
    path = tmp_path / "findings.ttl"
    path.write_text(FILE + "cpr:broken cpkg:x\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"findings.ttl:\d+: does not parse.*nothing was written"):
        add_block(path, BLOCK)
    path.write_text(FILE, encoding="utf-8")
    with pytest.raises(ParseError, match="the new block would not parse"):
        add_block(path, "cpr:finding-c a cpkg:Finding ;\n")
    assert path.read_text(encoding="utf-8") == FILE
