"""Not implemented yet."""
import argparse
import sys

from edge_app.arguments import add_run_arguments
from edge_app.errors import LenetEdgeError


def main(args) -> int:
    raise LenetEdgeError("this subcommand is not implemented yet")


def cli_main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m edge_app", description="live traffic-sign recognition")
    add_run_arguments(p)
    args = p.parse_args(argv)
    try:
        return main(args)
    except LenetEdgeError as e:
        print(f"edge_app: error: {e}", file=sys.stderr)
        return 2
