"""The `inkscribe` command: write, serve, train, evaluate and measure. The commands live
in writing.py (write), serving.py (daemon, keys, the extension) and lab.py (the rest); they
use the service one folder up (the client, the protocol, the server) and the model."""
import argparse
import sys

from .. import protocol
from . import hands, lab, serving, writing


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inkscribe",
        description="Turn text into realistic single-line handwriting (SVG pen strokes).",
        epilog="Run 'inkscribe COMMAND --help' for the options of one command.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (writing, hands, serving, lab):
        module.add_commands(commands)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if hasattr(args, "endpoint") and args.endpoint is None:
        try:
            args.endpoint = protocol.default_endpoint()
        except protocol.UnsafeFolder as e:
            print(f"inkscribe: {e}", file=sys.stderr)
            return 1
    return args.run(args)

