"""Trusted checks of 10_capstone's questions (predict, then run). The written answer is graded by hand.

The measured values come from trainlab.reference.capstone on the notebook's own data and seeds (the cells that
measure them use the student's functions, which compute the same when they are right).
"""
import functools

import numpy as np

from autograde.checks import predicted_choice, predicted_number
from trainlab.data import load_mnist_5k
from trainlab.reference import capstone as ref


@functools.lru_cache(maxsize=1)
def _initial_losses():
    data = load_mnist_5k()
    params = ref.init_fc_net(784, [256, 128], 10, np.random.default_rng(0))
    loss0, _ = ref.fc_net_loss(params, data["X_train"], data["y_train"])
    loss_reg, _ = ref.fc_net_loss(params, data["X_train"], data["y_train"], reg=0.01)
    return float(loss0), float(loss_reg - loss0)


@functools.lru_cache(maxsize=1)
def _overfit():
    data = load_mnist_5k()
    tiny = {"X_train": data["X_train"][:50], "y_train": data["y_train"][:50], "X_val": data["X_val"],
            "y_val": data["y_val"]}
    hist = ref.train_fc_net(tiny, {"hidden_dims": [256, 128], "learning_rate": 1e-3, "epochs": 60, "batch_size": 50})
    return hist["train_acc"][-1], hist["val_acc"][-1]


def q_num_params(student):
    truth = sum(v.size for v in ref.init_fc_net(784, [256, 128], 10, np.random.default_rng(0), True).values())
    predicted_number(student, "predicted_num_params", truth, truth,
                     f"The network holds {truth} numbers: 784*256 + 256 + 256*128 + 128 + 128*10 + 10 weights and biases, "
                     "plus a gamma and a beta per hidden unit (2 * (256 + 128)); the output layer has no BatchNorm.")


def q_initial_loss(student):
    truth, _ = _initial_losses()
    predicted_number(student, "predicted_initial_loss", truth - 0.25, truth + 0.25,
                     f"The measured initial loss is {truth:.3f}, close to log 10 = {np.log(10):.3f}: at initialization "
                     "the softmax is nearly uniform over the 10 classes, so each example costs about -log(1/10).")


def q_reg_term(student):
    _, truth = _initial_losses()
    predicted_number(student, "predicted_reg_term", 0.95 * truth, 1.05 * truth,
                     f"The measured L2 term is {truth:.3f}: a He weight has variance 2 / fan_in, so a layer's sum of "
                     "squares is about fan_in * fan_out * 2 / fan_in = 2 fan_out, 2 * (256 + 128 + 10) = 788 for the "
                     "network, times 0.01.")


def q_overfit(student):
    train_acc, val_acc = _overfit()
    predicted_choice(student, "choice_overfit", "c", ("a", "b", "c"),
                     f"The network memorizes the 50 digits (training accuracy {train_acc:.0%}) but reaches only "
                     f"{val_acc:.0%} on validation: 235,000 parameters fit 50 examples easily, and 50 digits are too few "
                     "to generalize from (c).")
