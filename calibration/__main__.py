"""`python -m calibration ARGS` is `lenet-edge calibrate ARGS`."""
import sys

from convert.cli import main

sys.exit(main(["calibrate", *sys.argv[1:]]))
