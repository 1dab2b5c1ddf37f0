"""`python -m train ARGS` is `lenet-edge train ARGS`."""
import sys

from convert.cli import main

sys.exit(main(["train", *sys.argv[1:]]))
