"""Make data/digits_cnn_source.pt: the SmallCNN of 08_transfer_learning, pretrained on digits 0-4.

    python data/make_pretrained.py            # writes data/digits_cnn_source.pt, prints its SHA-256
    python data/make_pretrained.py --check    # retrains in a temp folder, compares with the shipped file

What it does (deterministic: seeded NumPy and torch, one CPU thread, deterministic algorithms):
  1. the source task: scikit-learn's bundled digits 0, 1, 2, 3, 4 (901 images of 8x8; nothing is
     downloaded); the first 100 (after trainlab.data's seeded shuffle) are held out;
  2. augmentation: each of the other 801 digits is pasted at 20 random positions of a 12x12 frame
     (16,020 images), so the network learns features that do not depend on where the digit is;
  3. SmallCNN(5) from torch.manual_seed(0), Adam (lr 1e-3), 4000 steps of 64 images (16 epochs);
  4. prints the accuracy on the 100 held-out digits (at random positions), the run time and the
     file's SHA-256, which must equal trainlab.pretrained.WEIGHTS_SHA256 (update both together).

The same script on another CPU type or torch version can give weights that differ in the last bits,
hence another checksum: the notebook then works the same, but the constant must be updated.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere in a checkout
from trainlab.pretrained import (WEIGHTS_PATH, WEIGHTS_SHA256, SmallCNN, accuracy, digit_tasks,  # noqa: E402
                                 fit, place_digits, sha256)

HELD_OUT = 100
PLACEMENTS = 20
STEPS = 4000
BATCH = 64
LR = 1e-3


def pretrain():
    """Train SmallCNN(5) on the source task; returns (model, held-out accuracy)."""
    tasks = digit_tasks(seed=0)
    images, labels = tasks["source_images"], tasks["source_labels"]
    rng = np.random.default_rng(0)
    train_images = place_digits(np.tile(images[HELD_OUT:], (PLACEMENTS, 1, 1)), rng)
    X = torch.tensor(train_images).unsqueeze(1)                 # (16020, 1, 12, 12)
    y = torch.tensor(np.tile(labels[HELD_OUT:], PLACEMENTS))
    torch.manual_seed(0)
    model = SmallCNN(num_classes=5)
    fit(model, [{"params": list(model.parameters()), "lr": LR}], X, y, STEPS, batch_size=BATCH, seed=0)
    X_held = torch.tensor(place_digits(images[:HELD_OUT], np.random.default_rng(1))).unsqueeze(1)
    return model, accuracy(model, X_held, torch.tensor(labels[:HELD_OUT]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="retrain and compare with the shipped file")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    start = time.perf_counter()
    model, held_out = pretrain()
    seconds = time.perf_counter() - start
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if args.check:
        # same file name inside the archive as the shipped file, so equal weights give equal bytes
        out = Path(tempfile.mkdtemp()) / WEIGHTS_PATH.name
    else:
        out = WEIGHTS_PATH
    torch.save(state, out)
    digest = sha256(out)
    n_params = sum(v.numel() for v in state.values())
    print(f"source task: digits 0-4; held-out accuracy {held_out:.3f} on {HELD_OUT} digits at random positions")
    print(f"wrote {out} ({os.path.getsize(out) / 1024:.0f} kB, {n_params:,} parameters)")
    print(f"SHA-256 {digest}")
    print(f"pretraining took {seconds:.1f} s (torch {torch.__version__}, 1 CPU thread)")
    if digest == WEIGHTS_SHA256:
        print("matches trainlab.pretrained.WEIGHTS_SHA256")
    else:
        print("differs from trainlab.pretrained.WEIGHTS_SHA256: if these weights are to ship, set that constant "
              "(and data/README.md) to the digest above")
        if args.check:
            sys.exit(1)


if __name__ == "__main__":
    main()
