"""``vnflag models``: the model registry (list, show, add, promote, rollback). Promotion is a person's act."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..exceptions import ExitStatus
from .common import print_json


def parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``vnflag models`` and its arguments to the sub-command parsers ``sub``."""
    p = sub.add_parser("models", help="the model registry: list, show, add, promote, rollback")
    commands = p.add_subparsers(dest="models_command", metavar="ACTION")
    commands.required = True
    for name, text in (("list", "list versions"), ("show", "show one version"), ("add", "add a model directory"),
                       ("promote", "make a version the one scoring uses"),
                       ("rollback", "return to the previous promotion")):
        c = commands.add_parser(name, help=text)
        c.add_argument("--registry", required=True, help="registry directory")
        if name in ("show", "promote"):
            c.add_argument("version", help="version (a unique prefix is enough)")
        if name == "show":
            c.add_argument("--json", action="store_true", help="print everything known, exact values, as JSON")
        if name == "promote":
            c.add_argument("--force", action="store_true",
                           help="promote a challenger that failed the retraining gate (it is logged as forced)")
        if name == "add":
            c.add_argument("model_dir", help="model directory")
            c.add_argument("--parent", default=None, help="parent version (default: from the manifest)")
    return p


def run(args: argparse.Namespace) -> ExitStatus:
    """Run ``vnflag models`` with parsed arguments; returns the exit status."""
    from ..artifacts.registry import Registry, model_files

    action = args.models_command
    if action == "add":
        model_files(args.model_dir)  # a model that may not be added creates no registry
    registry = Registry(args.registry, create=action == "add")
    if action == "list":
        listing = registry.list()
        from ..display import text_table

        print(text_table(listing) if len(listing) else "no versions")
    elif action == "show":
        if args.json:
            print_json(registry.show(args.version))
        else:
            from ..display import text_table

            print(text_table(registry.describe(args.version)))
    elif action == "add":
        version = registry.add(args.model_dir, parent=args.parent)
        print(f"added {version} to {args.registry}", file=sys.stderr)
    elif action == "promote":
        version = registry.promote(args.version, force=args.force)
        print(f"promoted {version}{' (forced past the retraining gate)' if args.force else ''}; "
              f"vnflag score --registry {args.registry} now uses it", file=sys.stderr)
    else:
        version = registry.rollback()
        print(f"rolled back; {version} is promoted again", file=sys.stderr)
    return ExitStatus.OK
