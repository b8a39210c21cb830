"""Offline datasets for the vision experiments: MNIST-1D (generated, never downloaded) and sklearn's 8x8 digits.

MNIST-1D (Greydanus 2020) is made by ``mnist1d.data.make_dataset``, which builds every example from ten
hard-coded 1-D templates with random padding, scaling, translation, noise and shear. Its sibling
``get_dataset`` downloads a pickle from GitHub and is never called here. ``make_dataset`` seeds numpy's
*global* random state; :func:`mnist1d` saves and restores that state so loading data has no side effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..validation import check_int, check_real

__all__ = ["ImageData", "Mnist1dConfig", "DigitsConfig", "mnist1d", "digits", "make_sequences"]


@dataclass(frozen=True)
class ImageData:
    """Train and test arrays of one dataset: inputs float32 (n, d), labels int64 (n,)."""

    x_train: np.ndarray  # training inputs, one row per example
    y_train: np.ndarray  # training labels 0..9
    x_test: np.ndarray  # held-out inputs, never used in training
    y_test: np.ndarray  # held-out labels 0..9

    @property
    def num_features(self) -> int:
        """Length of one input vector."""
        return int(self.x_train.shape[1])


@dataclass(frozen=True)
class Mnist1dConfig:
    """How MNIST-1D is generated (the package's defaults except where noted)."""

    num_samples: int = 5000  # examples in all, 500 per digit (the package's default benchmark)
    train_split: float = 0.8  # share used for training; the rest is the test set
    seed: int = 42  # the generator's seed (the package's default)

    def __post_init__(self) -> None:
        check_int("num_samples", self.num_samples, low=20)
        check_real("train_split", self.train_split, low=0, high=1, low_open=True, high_open=True)
        check_int("seed", self.seed, low=0)


@dataclass(frozen=True)
class DigitsConfig:
    """How scikit-learn's 8x8 digits (1,797 images, shipped inside the package) are split."""

    test_fraction: float = 0.3  # share of images held out as the test set
    seed: int = 0  # seed of the random train/test split

    def __post_init__(self) -> None:
        check_real("test_fraction", self.test_fraction, low=0, high=1, low_open=True, high_open=True)
        check_int("seed", self.seed, low=0)


def mnist1d(config: Mnist1dConfig = Mnist1dConfig()) -> ImageData:
    """MNIST-1D generated offline by ``mnist1d.data.make_dataset`` (40-sample signals, 10 classes)."""
    if not isinstance(config, Mnist1dConfig):
        raise ValueError(f"config must be a Mnist1dConfig; got {type(config).__name__}")
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples, args.train_split, args.seed = config.num_samples, config.train_split, config.seed
    state = np.random.get_state()
    try:
        data = make_dataset(args)  # offline: templates are hard-coded in the package
    finally:
        np.random.set_state(state)
    return ImageData(data["x"].astype(np.float32), data["y"].astype(np.int64),
                     data["x_test"].astype(np.float32), data["y_test"].astype(np.int64))


def digits(config: DigitsConfig = DigitsConfig()) -> ImageData:
    """scikit-learn's 8x8 digits, pixels scaled to [0, 1] (64 features), split at random by ``config.seed``."""
    if not isinstance(config, DigitsConfig):
        raise ValueError(f"config must be a DigitsConfig; got {type(config).__name__}")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    y = bunch.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=config.test_fraction, random_state=config.seed,
                                              stratify=y)
    return ImageData(x_tr, y_tr, x_te, y_te)


def make_sequences(x: np.ndarray, y: np.ndarray, num: int, max_len: int, seed: int,
                   length: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``num`` sequences of items drawn at random from (x, y): inputs (num, max_len, d), labels (num, max_len), lengths.

    Each sequence has a length drawn uniformly from 1..max_len (or exactly ``length``); positions past a
    sequence's length are padded with zeros and label -1. Items are drawn independently with replacement.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"x must be (n, d) and y (n,); got {x.shape} and {y.shape}")
    num = check_int("num", num, low=1)
    max_len = check_int("max_len", max_len, low=1)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    if length is None:
        lengths = rng.integers(1, max_len + 1, size=num)
    else:
        lengths = np.full(num, check_int("length", length, low=1, high=max_len))
    idx = rng.integers(0, len(y), size=(num, max_len))
    valid = np.arange(max_len)[None, :] < lengths[:, None]
    xs = np.where(valid[..., None], x[idx], 0).astype(np.float32)
    ys = np.where(valid, y[idx], -1).astype(np.int64)
    return xs, ys, lengths.astype(np.int64)
