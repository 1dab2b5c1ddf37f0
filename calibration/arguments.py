"""Arguments of `lenet-edge calibrate`."""
import argparse

from train.arguments import add_data_argument


def add_calibrate_arguments(p: argparse.ArgumentParser) -> None:
    add_data_argument(p)
    p.add_argument("--size", type=int, default=500, help="images in the representative set; default 500")
    p.add_argument("--model", default=None, metavar="MODEL",
                   help="a trained .keras model: its card sets the preprocessing (default: the seed's)")
    p.add_argument("--seed", type=int, default=0, help="random seed for the stratified pick")
    p.add_argument("--out", default="runs/calibration", metavar="DIR", help="output folder")
