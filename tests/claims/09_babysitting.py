"""Claims of 09_babysitting, run on the notebook's own code: its setup cell, the cell that defines `TwoLayerNet` and the
`ratio_run` function of section 7, executed here with the reference `update_ratio`. Seed s: `TwoLayerNet(seed=s)` and
the minibatch generator `default_rng(s)`; seed 0 is the notebook's own run.
"""
import contextlib
import functools
import io

import nbformat
import numpy as np

from claims import Claim
from harness import REPO
from trainlab.reference import babysitting as ref

NOTEBOOK = REPO / "solutions" / "09_babysitting" / "babysitting.ipynb"
RATES = (1e-3, 3e-2, 1.0)


def _code(nb, marker):
    source = next(c.source for c in nb.cells if c.cell_type == "code" and marker in c.source)
    return "\n".join(line for line in source.splitlines() if not line.startswith("%"))     # no IPython magics


@functools.lru_cache(maxsize=None)
def _notebook():
    """The namespace of the setup cell, the TwoLayerNet cell and `ratio_run` (without the plotting after it)."""
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    namespace = {"update_ratio": ref.update_ratio}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(_code(nb, "import numpy as np"), namespace)
        exec(_code(nb, "class TwoLayerNet"), namespace)
        exec(_code(nb, "def ratio_run").split("\n\nfig, axes")[0], namespace)
        exec(_code(nb, "def first_steps").split("\n\nplt.figure")[0], namespace)
    return namespace


@functools.lru_cache(maxsize=None)
def ratio_runs(seed):
    """Section 7: the gradient/weight ratio of W1 at the start, and per rate the median ratio of W1 and the val. accuracy."""
    nb = _notebook()
    data, model = nb["data"], nb["TwoLayerNet"](reg=1e-4, seed=seed)
    first = np.random.default_rng(seed).integers(0, len(data["X_train"]), size=100)
    _, grads = model.loss(data["X_train"][first], data["y_train"][first])
    out = {"grad_to_weight_at_start": float(np.linalg.norm(grads["W1"]) / np.linalg.norm(model.params["W1"]))}
    for lr in RATES:
        ratios, val = nb["ratio_run"](lr, seed=seed)
        out[f"median_W1_{lr:g}"], out[f"val_acc_{lr:g}"] = float(np.median(ratios["W1"])), float(val)
    return out


@functools.lru_cache(maxsize=None)
def last_layer_scale(seed):
    """Section 1: the first loss, the mean loss of steps 1-20 and of steps 81-100, with He's W2 times 10, 1 and 0.01."""
    out = {}
    for scale, name in [(10.0, "x10"), (1.0, "he"), (0.01, "x0.01")]:
        losses = _notebook()["first_steps"](scale, seed=seed)
        out[f"{name}_first"], out[f"{name}_early"], out[f"{name}_late"] = (
            float(losses[0]), float(losses[:20].mean()), float(losses[-20:].mean()))
    return out


def closest_to_rule(r):
    return min(RATES, key=lambda lr: abs(np.log10(r[f"median_W1_{lr:g}"] / 1e-3)))


CLAIMS = [
    Claim("ratio_rule_rate", "09 §7, Question 3's answer (b)",
          "the median update/weight ratio of W1 is closest to 1e-3 (in log scale) at learning rate 3e-2",
          ratio_runs, lambda r: closest_to_rule(r) == 3e-2,
          spread=("grad_to_weight_at_start", "median_W1_0.001", "median_W1_0.03", "median_W1_1")),
    Claim("ratio_orders", "09 §7, the text after the measurement",
          "at 1e-3 the ratio is an order of magnitude below 1e-3, at 1 about ten times above it (within 3x either way)",
          ratio_runs, lambda r: 1e-5 / 3 < r["median_W1_0.001"] < 3e-5 * 3 and 1e-2 / 3 < r["median_W1_1"] < 1e-2 * 3),
    Claim("largest_rate_most_accurate", "09 §7, the text after the measurement",
          "the run at learning rate 1 reaches the best validation accuracy of the three",
          ratio_runs, lambda r: r["val_acc_1"] > max(r["val_acc_0.001"], r["val_acc_0.03"]),
          spread=("val_acc_0.001", "val_acc_0.03", "val_acc_1")),
    Claim("shrunk_last_layer_starts_at_log_c", "09 §1, after the last-layer experiment",
          "with W2 x 0.01 the first loss is log 10 (within 0.03: the L2 term adds 0.02); He starts more than 0.1 "
          "above it, W2 x 10 more than three times log 10",
          last_layer_scale,
          lambda r: abs(r["x0.01_first"] - np.log(10)) < 0.03 and r["he_first"] > np.log(10) + 0.1
          and r["x10_first"] > 3 * np.log(10),
          spread=("x10_first", "he_first", "x0.01_first")),
    Claim("hockey_stick", "09 §1, after the last-layer experiment",
          "with W2 x 10 the mean loss of the first 20 steps is more than 1.5 times He's",
          last_layer_scale, lambda r: r["x10_early"] > 1.5 * r["he_early"], spread=("x10_early", "he_early", "x0.01_early")),
    Claim("larger_last_layer_lower_loss_at_100", "09 §1, after the last-layer experiment",
          "after 100 steps the order is reversed: W2 x 10 below He below W2 x 0.01 (mean loss of steps 81-100)",
          last_layer_scale, lambda r: r["x10_late"] < r["he_late"] < r["x0.01_late"],
          spread=("x10_late", "he_late", "x0.01_late")),
]
