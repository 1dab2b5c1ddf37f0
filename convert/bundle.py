"""Not implemented yet."""
from edge_app.errors import LenetEdgeError


def main(args) -> int:
    raise LenetEdgeError("this subcommand is not implemented yet")
