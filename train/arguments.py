"""Arguments of `lenet-edge train` (argparse only: no TensorFlow here)."""
import argparse


def add_data_argument(p: argparse.ArgumentParser, default: str = "synthetic") -> None:
    p.add_argument("--data", default=default, metavar="SRC",
                   help="synthetic | gtsrb | mnist | PATH (npz, seed pickle, official or Kaggle GTSRB folder, "
                        f"MNIST idx folder); default {default}")
    p.add_argument("--synthetic-per-class", type=int, default=None, metavar="N",
                   help="images per class when --data synthetic (default 200 train / 50 test)")


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    add_data_argument(p)
    p.add_argument("--model", default="lenet", help="model name (see --list-models); default lenet")
    p.add_argument("--list-models", action="store_true", help="print the model names and parameter counts")
    p.add_argument("--epochs", type=int, default=50, help="default 50 (the seed)")
    p.add_argument("--batch-size", type=int, default=500, help="default 500 (the seed)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate; default 1e-3")
    p.add_argument("--schedule", choices=["constant", "cosine", "step"], default="constant",
                   help="learning-rate schedule; default constant (the seed)")
    p.add_argument("--augment", choices=["none", "light", "strong", "heavy"], default="none",
                   help="on-the-fly augmentation: light/strong shift, rotate, scale, shear, brightness; heavy adds "
                        "blur, low resolution and gamma; default none (the seed)")
    p.add_argument("--preprocess", choices=["seed", "clahe"], default="seed",
                   help="seed: gray mean, (x-128)/128; clahe: same plus CLAHE contrast equalisation")
    p.add_argument("--keep-best", action="store_true", help="keep the weights of the best validation epoch")
    p.add_argument("--ema", action="store_true",
                   help="keep an exponential moving average of the weights (over about the last epoch) and save it")
    p.add_argument("--label-smoothing", type=float, default=0.0, metavar="E",
                   help="cross-entropy label smoothing, 0 <= E < 1; default 0 (the seed)")
    p.add_argument("--val-fraction", type=float, default=0.15, help="validation share, split by track")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="use only N training images (smoke runs)")
    p.add_argument("--seed", type=int, default=0, help="random seed (data split, init, shuffling)")
    p.add_argument("--no-report", action="store_true", help="skip the PNG/HTML report")
    p.add_argument("--out", default="runs/train", metavar="DIR", help="output folder; default runs/train")
