"""A small NumPy training loop (in the spirit of CS231n's Solver): minibatches, progress bar,
history, and the best parameters on validation kept as a checkpoint.

    softmax_loss(scores, y)      -> (loss, dscores)
    minibatches(X, y, batch_size, rng)
    train(model, data, update_rule, ...) -> History

A model is any object with ``params`` (dict name -> array) and ``loss(X, y=None)``: scores (N, C)
when y is None, else (loss, grads) with grads a dict shaped like params.
An update rule is ``rule(w, dw, config) -> (next_w, config)``, as in 04_optimizers.
"""
import copy
from dataclasses import dataclass, field

import numpy as np

__all__ = ["softmax_loss", "minibatches", "accuracy", "sgd", "History", "train"]


def softmax_loss(scores, y):
    """Mean cross-entropy of softmax(scores) against integer labels.

    scores: (N, C); y: (N,) ints in [0, C). Returns (loss, dscores) with dscores (N, C).
    """
    shifted = scores - scores.max(axis=1, keepdims=True)        # no overflow in exp
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = scores.shape[0]
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1.0
    return loss, dscores / n


def minibatches(X, y, batch_size, rng):
    """Yield (X_batch, y_batch) covering one shuffled epoch."""
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def accuracy(model, X, y, batch_size=1000):
    """Fraction of examples whose arg-max score is the label."""
    preds = [np.argmax(model.loss(X[i:i + batch_size]), axis=1) for i in range(0, len(X), batch_size)]
    return float(np.mean(np.concatenate(preds) == y))


def sgd(w, dw, config=None):
    """Plain SGD, the default rule: w -= learning_rate * dw."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


@dataclass
class History:
    """What happened during training; ``best_params`` is the checkpoint with the best val accuracy."""
    loss: list = field(default_factory=list)          # one per iteration
    train_acc: list = field(default_factory=list)     # one per epoch
    val_acc: list = field(default_factory=list)       # one per epoch
    best_val_acc: float = 0.0
    best_epoch: int = -1
    best_params: dict = field(default_factory=dict)


def train(model, data, update_rule=sgd, optim_config=None, epochs=10, batch_size=100, lr_decay=1.0,
          seed=0, progress=True, stop_on_nan=True):
    """Train ``model`` on data["X_train"], data["y_train"], validating on X_val, y_val each epoch.

    Every parameter gets its own copy of ``optim_config`` (state such as velocity is per parameter);
    learning_rate is multiplied by ``lr_decay`` after each epoch. At the end the model keeps its
    final parameters; ``History.best_params`` holds the best-on-validation ones.
    """
    rng = np.random.default_rng(seed)
    configs = {name: dict(optim_config or {}) for name in model.params}
    hist = History()
    steps = range(epochs)
    if progress:
        from tqdm.auto import tqdm
        steps = tqdm(steps, desc="epochs", leave=False)
    for epoch in steps:
        for Xb, yb in minibatches(data["X_train"], data["y_train"], batch_size, rng):
            loss, grads = model.loss(Xb, yb)
            hist.loss.append(float(loss))
            if stop_on_nan and not np.isfinite(loss):
                return hist
            for name, w in model.params.items():
                model.params[name], configs[name] = update_rule(w, grads[name], configs[name])
        for cfg in configs.values():
            if "learning_rate" in cfg:
                cfg["learning_rate"] *= lr_decay
        n = min(1000, len(data["X_train"]))
        hist.train_acc.append(accuracy(model, data["X_train"][:n], data["y_train"][:n]))
        hist.val_acc.append(accuracy(model, data["X_val"], data["y_val"]))
        if hist.val_acc[-1] > hist.best_val_acc:
            hist.best_val_acc, hist.best_epoch = hist.val_acc[-1], epoch
            hist.best_params = copy.deepcopy(model.params)
    return hist
