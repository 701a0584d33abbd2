"""Trusted checks for the questions of 04_optimizers ("predict, then run"): one per q_ test cell, named as its grade_id.

Each accepted range holds the value the notebook measures with a margin for a student who reasons correctly (the
measured values are computed below from the reference, not typed in); ``why`` gives the answer and the reason.
"""
import numpy as np

from autograde.checks import predicted_choice, predicted_number
from trainlab.reference import optimizers as ref


def _adam_first_steps(lr=1e-3, g=1.0):
    """The first step of Adam with its defaults, with and without the bias correction (state at zero)."""
    next_w, config = ref.adam(np.zeros(1), np.array([g]), {"learning_rate": lr})
    uncorrected = lr * config["m"] / (np.sqrt(config["v"]) + config["epsilon"])
    return abs(next_w[0]), abs(uncorrected[0])


def _adagrad_step(t=10_000, lr=0.1, g=3.0):
    w, config = np.zeros(1), {"learning_rate": lr}
    for _ in range(t):
        new_w, config = ref.adagrad(w, np.array([g]), config)
        step, w = abs(new_w - w)[0], new_w
    return step


def q_momentum_steps(student):
    predicted_choice(student, "choice_momentum_steps", "b", ("a", "b", "c", "d"),
                     "Gradient descent at lr 0.02 needs about 390 steps, momentum 0.9 about 150: 2.6 times fewer. Both "
                     "directions are underdamped, so every error shrinks by sqrt(0.9) = 0.949 per step instead of 0.98 along "
                     "the shallow one; the 1/(1 - rho) = 10 gain needs a gradient that stays constant, not an oscillation.")


def q_adagrad_step(student):
    step = _adagrad_step()
    predicted_number(student, "predicted_adagrad_step", step / 2, step * 2,
                     f"The step at t = 10^4 is {step:.2g}: the cache is t g^2, so the step is lr g / sqrt(t g^2) = "
                     "lr / sqrt(t) = 0.1 / 100, whatever the size of g.")


def q_adam_first_step(student):
    corrected, uncorrected = _adam_first_steps()
    predicted_number(student, "predicted_first_step", corrected / 1.5, corrected * 1.5,
                     f"With the bias correction the first step is exactly the learning rate ({corrected:.3g}): m_hat = g and "
                     "v_hat = g^2, so the step is lr g / |g|.")
    predicted_number(student, "predicted_first_step_uncorrected", uncorrected / 1.5, uncorrected * 1.5,
                     f"Without the correction the first step is {uncorrected:.3g}: m = 0.1 g and sqrt(v) = sqrt(0.001) |g| = "
                     "0.0316 |g|, so the step is lr * 0.1 / 0.0316 = 3.16 lr, for any g.")
