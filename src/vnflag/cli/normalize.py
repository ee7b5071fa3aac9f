"""``vnflag normalize``: show how one text is normalised and segmented (what the model sees)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..exceptions import ExitStatus
from .common import add_encoding


def parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``vnflag normalize`` and its arguments to the sub-command parsers ``sub``."""
    p = sub.add_parser("normalize", help="show how one text is normalised and segmented")
    p.add_argument("text", nargs="?", help="the text (default: read stdin)")
    add_encoding(p, "standard input", tables=False)
    return p


def run(args: argparse.Namespace) -> ExitStatus:
    """Run ``vnflag normalize`` with parsed arguments; returns the exit status."""
    from ..text.normalization import normalize_text
    from ..text.segmentation import segment_text

    if args.text is not None:
        text = args.text
    else:
        import io

        from ..io.decoding import decode_lines

        text = "".join(decode_lines(io.BytesIO(sys.stdin.buffer.read()), args.encoding, "standard input"))
    normalized = normalize_text(text)
    print(json.dumps({"normalized": normalized, "segmented": segment_text(normalized)}, ensure_ascii=False))
    return ExitStatus.OK
