"""MkDocs hook: the command-line reference is the parser's own ``--help``, rendered at build time.

docs/reference/cli.md holds a marker line; this hook replaces it with one section per command and
sub-command (``vnflag``, ``vnflag train``, ..., ``vnflag labels import``, ...), each the text argparse prints
for ``--help``, so the page cannot drift from the program. tests/test_docs.py checks that every sub-command
of the parser is in it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator

MARKER = "<!-- cli-reference -->"
#: The width argparse wraps help at (it reads $COLUMNS), so the page is the same on every machine.
WIDTH = "100"


def parsers() -> Iterator[argparse.ArgumentParser]:
    """``vnflag``'s parser and every sub-command's, depth first, in the order ``--help`` lists them."""
    from vnflag.cli import build_parser, iter_parsers

    return iter_parsers(build_parser())


def cli_reference() -> str:
    """Markdown for every command: a heading with its name and the ``--help`` text in a ``text`` block."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        sections = []
        for parser in parsers():
            level = "#" * min(2 + parser.prog.count(" "), 4)
            sections.append(f"{level} `{parser.prog}`\n\n```text\n{parser.format_help().rstrip()}\n```\n")
        return "\n".join(sections)
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    """Fill the marker of the CLI reference page; every other page is left as it is."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, cli_reference())
