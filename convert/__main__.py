"""`python -m convert SUBCOMMAND ...` is the full `lenet-edge` CLI (convert is the top layer)."""
import sys

from convert.cli import main

sys.exit(main())
