"""Claims of 06_regularization, run on the notebook's own code: the definitions of section 4's experiment (data with 20% of
the training labels replaced, `init_params`, `scores_and_cache`, `accuracy`, `fit`), executed here with the reference
dropout and penalties. Seed s: `fit(..., seed=s)` (the initialisation and the dropout masks; the corrupted labels are the
notebook's); seed 0 is the notebook's own run. The lasso comparison of section 4 draws its problem with seed 7 + s.
"""
import contextlib
import functools
import io

import nbformat
import numpy as np
from threadpoolctl import threadpool_limits

from claims import Claim
from harness import REPO
from trainlab.reference import regularization as ref

NOTEBOOK = REPO / "solutions" / "06_regularization" / "regularization.ipynb"
STUDENT_FUNCTIONS = ("dropout_forward", "dropout_backward", "l2_penalty", "l1_penalty")


@functools.lru_cache(maxsize=None)
def _notebook():
    """The namespace of section 4's definitions (the cell up to its grid of runs), with the reference answers."""
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    source = next(c.source for c in nb.cells if c.cell_type == "code" and "def fit(" in c.source and "noise_rng" in c.source)
    namespace = {"np": np, **{name: getattr(ref, name) for name in STUDENT_FUNCTIONS}}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source.split("\nkeeps = [")[0], str(NOTEBOOK), "exec"), namespace)
    return namespace


def _one_blas_thread(experiment):
    """Run the experiment with one BLAS thread, as the notebook does (tiny matrices: several threads are slower)."""
    @functools.wraps(experiment)
    def wrapped(seed):
        with threadpool_limits(limits=1, user_api="blas"):
            return experiment(seed)
    return wrapped


@functools.lru_cache(maxsize=None)
@_one_blas_thread
def overfitting(seed):
    """Section 4: final training / validation accuracy without regularisation, with dropout keep 0.2 and with L2 1e-2;
    the first layer's exact zeros after the L1 run and the weights' std without a penalty and with L2 3e-3."""
    nb = _notebook()
    fit, share = nb["fit"], float(np.mean(nb["y_train"] == nb["y_clean"]))
    out = {"share_correct": share}
    weights = {}
    for name, (keep, reg, penalty) in {"none": (1.0, 0.0, ref.l2_penalty), "dropout_0.2": (0.2, 0.0, ref.l2_penalty),
                                       "l2_1e-2": (1.0, 1e-2, ref.l2_penalty), "l2_3e-3": (1.0, 3e-3, ref.l2_penalty),
                                       "l1_1e-3": (1.0, 1e-3, ref.l1_penalty)}.items():
        weights[name], curves = fit(keep, reg, penalty=penalty, seed=seed, every=200)   # evaluated once, at the end
        out[f"{name}_train"], out[f"{name}_val"] = float(curves["train"][-1]), float(curves["val"][-1])
    out["l1_exact_zeros"] = float(np.mean(weights["l1_1e-3"]["W1"] == 0))
    out["std_none"], out["std_l2"] = float(weights["none"]["W1"].std()), float(weights["l2_3e-3"]["W1"].std())
    return out


@_one_blas_thread
def lasso(seed, lam=0.1, eta=0.1, steps=2000):
    """Section 4's lasso: exact zeros among the 45 irrelevant weights, subgradient descent vs soft-thresholding."""
    r = np.random.default_rng(7 + seed)
    A = r.standard_normal((200, 50))
    w_true = np.zeros(50)
    w_true[:5] = [3.0, -2.0, 1.5, -1.0, 0.5]
    b = A @ w_true + 0.5 * r.standard_normal(200)
    w_sub, w_prox = np.zeros(50), np.zeros(50)
    for _ in range(steps):
        w_sub = w_sub - eta * (A.T @ (A @ w_sub - b) / 200 + ref.l1_penalty(w_sub, lam)[1])
        z = w_prox - eta * A.T @ (A @ w_prox - b) / 200
        w_prox = np.sign(z) * np.maximum(np.abs(z) - eta * lam, 0.0)
    return {"subgradient_zeros": int(np.sum(w_sub[5:] == 0)), "proximal_zeros": int(np.sum(w_prox[5:] == 0))}


def _gap(r, name):
    return r[f"{name}_train"] - r[f"{name}_val"]


CLAIMS = [
    Claim("dropout_gap_smaller", "06 §4, Question 3's answer (b)",
          "the train - validation gap with dropout keep 0.2 is smaller than without regularisation",
          overfitting, lambda r: _gap(r, "dropout_0.2") < _gap(r, "none"),
          spread=("none_train", "none_val", "dropout_0.2_train", "dropout_0.2_val")),
    Claim("regularised_validation_higher", "06 §4, the text after Question 3's measurement",
          "with dropout keep 0.2 and with L2 1e-2 the validation accuracy is higher than without, by more than 0.02",
          overfitting, lambda r: min(r["dropout_0.2_val"], r["l2_1e-2_val"]) > r["none_val"] + 0.02,
          spread=("none_val", "dropout_0.2_val", "l2_1e-2_val")),
    Claim("regularised_memorise_less", "06 §4, the text after Question 3's measurement",
          "without regularisation the training accuracy is about 100%; with dropout 0.2 or L2 1e-2 it ends closer to the "
          "share of correct labels",
          overfitting,
          lambda r: r["none_train"] > 0.98 and max(abs(r["dropout_0.2_train"] - r["share_correct"]),
                                                   abs(r["l2_1e-2_train"] - r["share_correct"]))
          < abs(r["none_train"] - r["share_correct"]),
          spread=("none_train", "dropout_0.2_train", "l2_1e-2_train")),
    Claim("l1_few_exact_zeros", "06 §4, Question 4's answer (c)",
          "after 200 subgradient steps with the L1 penalty fewer than 1% of W1 are exactly 0.0",
          overfitting, lambda r: r["l1_exact_zeros"] < 0.01, spread=("l1_exact_zeros",)),
    Claim("l2_shrinks", "06 §4, the histograms' title",
          "L2 (3e-3) gives the first layer's weights a smaller std than no penalty",
          overfitting, lambda r: r["std_l2"] < r["std_none"], spread=("std_none", "std_l2")),
    Claim("proximal_exact_zeros", "06 §4, the lasso comparison",
          "soft-thresholding sets more irrelevant weights to exactly 0.0 than subgradient descent, which sets none",
          lasso, lambda r: r["proximal_zeros"] > 30 and r["subgradient_zeros"] == 0,
          spread=("subgradient_zeros", "proximal_zeros")),
]
