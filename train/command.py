"""`lenet-edge train`: see `train.fit` for the recipe and outputs."""
from __future__ import annotations

import shlex
import sys

from train.fit import TrainConfig, train


def main(args) -> int:
    if args.list_models:
        from train.models import MODELS
        for name, info in MODELS.items():
            print(f"{name:22s} {info.params:>8,d} parameters  ({info.dataset})")
        return 0
    cfg = TrainConfig(
        data=args.data, model=args.model, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
        schedule=args.schedule, augment=args.augment, preprocess=args.preprocess,
        val_fraction=args.val_fraction, limit=args.limit, seed=args.seed,
        synthetic_per_class=args.synthetic_per_class, keep_best=args.keep_best, ema=args.ema,
        label_smoothing=args.label_smoothing, report=not args.no_report,
        out=args.out, command="lenet-edge " + shlex.join(sys.argv[1:]))
    metrics = train(cfg)
    print(f"test accuracy {100 * metrics['test_accuracy']:.2f}%  model: {args.out}/model.keras")
    return 0
