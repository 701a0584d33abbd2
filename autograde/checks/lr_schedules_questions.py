"""Trusted checks for the questions of 05_lr_schedules ("predict, then run"): one function per q_ test cell.

The written answer (explain_polyak_vs_ema) is graded by hand in formgrader.
"""
from autograde.checks import predicted_choice, predicted_number


def q_warmup_lr(student):
    predicted_number(student, "predicted_warmup_lr", 0.33, 0.35,
                     "At t = 20 the warmup (10 steps) is over, so the rate is the cosine's value 10 steps into its run: "
                     "0.2 * (1 + cos(pi * 10 / 40)) = 0.341 (not cos(pi * 20 / 40): the schedule starts after the warmup).")


def q_robbins_monro(student):
    predicted_choice(student, "choice_robbins_monro", "b", ("a", "b", "c", "d"),
                     "Only 1/t: its sum diverges (the harmonic series) while the sum of 1/t^2 converges. A constant rate "
                     "has sum of squares = infinity (it stalls at a noise floor), 1/t^2 has a finite sum (it stops before "
                     "reaching the minimum), and 1/sqrt(t) has sum of squares = sum of 1/t = infinity.")


def q_ema_helps(student):
    predicted_choice(student, "choice_ema_helps", "b", ("a", "b", "c"),
                     "Lower: at lr 0.1 the weights jitter little and are still improving at the end, so an average over "
                     "the last ~100 steps lags behind the final weights. Averaging pays off when the iterates jitter "
                     "around a minimum (lr 0.5), not while they are still descending.")
