"""The small pretrained CNN of 08_transfer_learning, its data, and a loader that checks the weights.

    SmallCNN(num_classes)              conv backbone (12x12 grey image -> 64 features) + linear head
    load_pretrained(device=None)       SmallCNN with the shipped weights, after checking their SHA-256
    place_digits(images, rng)          8x8 digits pasted at random positions of a 12x12 frame
    digit_tasks(seed=0)                source (digits 0-4) and target (digits 5-9) images and labels
    fit(model, param_groups, X, y, steps, ...)   a seeded minibatch training loop (Adam)
    accuracy(model, X, y)              fraction of correct predictions

The weights ship in ``data/digits_cnn_source.pt`` (a ``state_dict``, about 100 kB), made by
``python data/make_pretrained.py`` (see data/README.md): trained on scikit-learn's digits 0-4, each
digit pasted at a fresh random position of a 12x12 frame at every step. ``load_pretrained``
refuses a missing or changed file with a message that says what to do.
"""
import hashlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["SmallCNN", "load_pretrained", "place_digits", "digit_tasks", "fit", "accuracy", "sha256",
           "PretrainedWeightsError", "WEIGHTS_PATH", "WEIGHTS_SHA256", "FRAME", "SOURCE_CLASSES",
           "TARGET_CLASSES"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
WEIGHTS_PATH = DATA_DIR / "digits_cnn_source.pt"
# Printed by data/make_pretrained.py; change it only together with the weights file.
WEIGHTS_SHA256 = "34cb72f7b5c34dc15d1b5dd6bec16edbeb9e0b0cd059101b677c4a9feec900f0"

FRAME = 12                      # digits (8x8) are pasted into a FRAME x FRAME image
SOURCE_CLASSES = (0, 1, 2, 3, 4)
TARGET_CLASSES = (5, 6, 7, 8, 9)


class PretrainedWeightsError(RuntimeError):
    """The weights file is missing, changed or unreadable."""


class SmallCNN(nn.Module):
    """A small convolutional network for (N, 1, 12, 12) images.

    backbone: conv 3x3 (1 -> 16) - ReLU                  (N, 16, 12, 12)
              conv 3x3 (16 -> 32) - ReLU - max-pool 2    (N, 32, 6, 6)
              conv 3x3 (32 -> 64) - ReLU - max-pool 6 (global) - flatten   (N, 64): the features
    head:     linear (64 -> num_classes)                 (N, num_classes): the scores

    ``model.backbone`` is an ``nn.Sequential`` (index it: ``model.backbone[5]`` is the last conv),
    ``model.head`` an ``nn.Linear``; ``forward(x) = head(backbone(x))``.
    """

    feature_dim = 64

    def __init__(self, num_classes=5):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(6), nn.Flatten(),
        )
        self.head = nn.Linear(self.feature_dim, num_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def sha256(path):
    """Hex SHA-256 digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def load_pretrained(path=None, device=None, expected_sha256=None):
    """SmallCNN(5) with the weights pretrained on digits 0-4, on ``device`` (default CPU), in eval mode.

    The file's SHA-256 must equal ``expected_sha256`` (default: WEIGHTS_SHA256, the shipped file's).
    Raises PretrainedWeightsError when the file is missing, has another checksum, or does not hold
    this network's weights.
    """
    path = Path(WEIGHTS_PATH if path is None else path)
    expected = WEIGHTS_SHA256 if expected_sha256 is None else expected_sha256
    remedy = (f"Get the file again from the course bundle (data/{WEIGHTS_PATH.name}), or remake it with "
              f"`python data/make_pretrained.py` (about a minute on a laptop).")
    if not path.is_file():
        raise PretrainedWeightsError(f"The pretrained weights are missing: no file {path}.\n{remedy}")
    actual = sha256(path)
    if actual != expected:
        raise PretrainedWeightsError(
            f"The pretrained weights file {path} is corrupt or not the shipped one: its SHA-256 is\n"
            f"  {actual}\nbut should be\n  {expected}\n{remedy}")
    model = SmallCNN(num_classes=len(SOURCE_CLASSES))
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as e:  # a file with the right checksum but the wrong content (e.g. a changed SmallCNN)
        raise PretrainedWeightsError(f"{path} does not hold SmallCNN weights ({e}).\n{remedy}") from None
    return model.to(device or "cpu").eval()


def place_digits(images, rng, frame=FRAME):
    """Paste each (8, 8) image at a random position of a blank (frame, frame) image.

    images: (N, 8, 8) array; rng: np.random.Generator (draws the N offsets).
    Returns (N, frame, frame) float32: the digits no longer sit in the centre, as in real photos.
    """
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape
    out = np.zeros((n, frame, frame), dtype=np.float32)
    top = rng.integers(0, frame - h + 1, size=n)
    left = rng.integers(0, frame - w + 1, size=n)
    rows = top[:, None, None] + np.arange(h)[None, :, None]
    cols = left[:, None, None] + np.arange(w)[None, None, :]
    out[np.arange(n)[:, None, None], rows, cols] = images
    return out


def digit_tasks(seed=0):
    """scikit-learn's bundled digits split by class: source = 0-4, target = 5-9 (labels 0-4).

    Returns a dict of NumPy arrays: "source_images" (N_s, 8, 8) centred digits 0-4 in [0, 1] and
    "source_labels" (N_s,); "target_images" (N_t, 8, 8), "target_labels" (N_t,) in 0..4 (digit - 5).
    The order is shuffled with ``seed``.
    """
    from trainlab.data import load_digits

    d = load_digits(n_val=0, n_test=0, seed=seed, flatten=False)
    X, y = d["X_train"], d["y_train"]
    src = np.isin(y, SOURCE_CLASSES)
    return {"source_images": X[src], "source_labels": y[src],
            "target_images": X[~src], "target_labels": y[~src] - TARGET_CLASSES[0]}


def fit(model, param_groups, X, y, steps, batch_size=64, seed=0, transform=None):
    """Train ``model`` with Adam on (X, y) for ``steps`` minibatch steps; returns the per-step losses.

    param_groups: what torch.optim takes (an iterable of parameters, or a list of dicts with "params"
    and "lr"). X: (N, 1, H, W) float tensor, y: (N,) int64 tensor, on the model's device.
    Minibatches are drawn from a torch.Generator seeded with ``seed`` (one reshuffle per epoch), so a
    run is reproducible. ``transform(xb, generator)``, if given, changes each batch (augmentation).
    """
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(param_groups)
    n = len(y)
    batch_size = min(batch_size, n)
    model.train()
    losses, order, pos = [], torch.randperm(n, generator=gen), 0
    for _ in range(steps):
        if pos + batch_size > n:
            order, pos = torch.randperm(n, generator=gen), 0
        idx = order[pos:pos + batch_size].to(y.device)
        pos += batch_size
        xb = X[idx] if transform is None else transform(X[idx], gen)
        loss = F.cross_entropy(model(xb), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    return losses


@torch.no_grad()
def accuracy(model, X, y, batch_size=1024):
    """Fraction of rows of X whose arg-max score is the label (model in eval mode, no gradients)."""
    model.eval()
    correct = sum((model(X[i:i + batch_size]).argmax(1) == y[i:i + batch_size]).sum().item()
                  for i in range(0, len(y), batch_size))
    return correct / len(y)
