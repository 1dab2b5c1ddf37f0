"""Dataset loaders: every loader returns a `Dataset` of uint8 images and int64 labels.

    load_data("synthetic" | "gtsrb" | "mnist" | PATH, split="train" | "test") -> Dataset
"""
from train.datasets.dataset import Dataset
from train.datasets.resolve import load_data

__all__ = ["Dataset", "load_data"]
