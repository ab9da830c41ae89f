"""Command line: ``python -m mecfs_evidence <command> ...``.

Subcommands are registered in :data:`COMMANDS` (name -> module). Each module provides
``register(subparsers)``, which adds its parser and sets ``func`` (called with the parsed
arguments; its return value is the exit status). Modules are imported only to build the parser,
so keep their top-level imports light.
"""
from __future__ import annotations

import argparse
import importlib
import sys

#: Subcommand name -> module exposing ``register(subparsers)``. Add new commands here.
COMMANDS = {
    "pool": "mecfs_evidence.meta.cli",
    "check-data": "mecfs_evidence.checkdata",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mecfs_evidence",
                                     description="Companion tools of the book on NMDA-receptor antagonists and ME/CFS.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module in COMMANDS.items():
        importlib.import_module(module).register(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
