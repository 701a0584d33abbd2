"""Trusted checks for the questions of 05_lr_schedules ("predict, then run"): one function per q_ test cell.

The written answer (explain_polyak_vs_ema) is graded by hand in formgrader.
"""
import math

from autograde.checks import predicted_choice, predicted_number


def q_warmup_lr(student):
    true = 0.2 * (1 + math.cos(math.pi * 10 / 40))           # 0.3414: the cosine 10 steps into its own run
    predicted_number(student, "predicted_warmup_lr", true - 0.01, true + 0.01,
                     "At t = 20 the warmup (10 steps) is over, so the rate is the cosine's value 10 steps into its run: "
                     "0.2 * (1 + cos(pi * 10 / 40)) = 0.341 (not cos(pi * 20 / 40): the schedule starts after the warmup).")


def q_robbins_monro(student):
    predicted_choice(student, "choice_robbins_monro", "b", ("a", "b", "c", "d"),
                     "Only 1/t: its sum diverges (the harmonic series) while the sum of 1/t^2 converges. A constant rate "
                     "has sum of squares = infinity (it stalls at a noise floor), 1/t^2 has a finite sum (it stops before "
                     "reaching the minimum), and 1/sqrt(t) has sum of squares = sum of 1/t = infinity.")


def q_worst_average(student):
    predicted_choice(student, "choice_worst_average", "b", ("a", "b", "c"),
                     "The uniform average over all 240 steps: it weighs the first epoch's weights, still close to the "
                     "random start, as much as the last ones, while the EMA forgets them geometrically (about the last "
                     "100 steps) and the tail average starts at step 120. Its training loss is the highest of the three "
                     "at lr 0.1 on every seed we checked (0-7).")
