"""`lenet-edge convert MODEL --calibration CAL --formats ... --out DIR` (see convert.export_all)."""
from __future__ import annotations

from convert.export_all import export_all


def main(args) -> int:
    export_all(args.model, args.calibration, args.formats, args.out, args.int8_io, args.batch1, args.diagnose)
    return 0
