"""Trusted checks for the questions of 06_regularization ("predict, then run"): one function per q_ test cell.

The written answer (explain_dropout_nonlinear) is graded by hand in formgrader.
"""
from autograde.checks import predicted_choice, predicted_number


def q_dropout_test_output(student):
    predicted_number(student, "predicted_test_output", 0.37, 0.38,
                     "E[a] = p (w1 x + w2 y) = 0.5 * (1.4 - 0.65) = 0.375: each input survives with probability p, "
                     "so vanilla dropout must multiply by p at test time to match the training average.")


def q_dropout_gap(student):
    predicted_choice(student, "choice_dropout_gap", "b", ("a", "b", "c"),
                     "Smaller, even negative: with keep 0.2 the network cannot memorise the 18% wrong training labels, "
                     "so its training accuracy stays below 100% while its validation accuracy rises.")


def q_l1_exact_zeros(student):
    predicted_choice(student, "choice_l1_zeros", "c", ("a", "b", "c"),
                     "Essentially none: a (sub)gradient step moves a weight by a fixed amount reg * lr past 0, so weights "
                     "oscillate around 0 and land on exactly 0.0 only by accident. Exact zeros need a proximal step "
                     "(soft-thresholding), which sets |w| <= lr * reg to 0.")
