"""Trusted checks for the questions of 03_batchnorm ("predict, then run"), one per q_ test cell.

Question 1 (the derivation of batchnorm_backward_alt, explain_bn_backward_alt) is graded by hand in the formgrader;
the implementation it leads to is graded by test_bn_backward_alt in batchnorm.py.
"""
from autograde.checks import predicted_choice, predicted_number


def q_cold_running(student):
    predicted_choice(student, "choice_cold_running", "c", ("a", "b", "c", "d"),
                     "(c): with running_var = 0 the layer divides by sqrt(0 + eps) = 0.003, so the outputs are about 300 "
                     "times the inputs (eps prevents the division by zero; nothing is subtracted either).")


def q_identity_out(student):
    predicted_number(student, "predicted_identity_out", 19.9, 20.1,
                     "The output is 20: gamma = sqrt(sigma^2 + eps) and beta = mu undo the normalisation, "
                     "gamma * (x - mu) / sqrt(sigma^2 + eps) + beta = x (the identity).")


def q_batch_of_two(student):
    predicted_choice(student, "choice_batch_of_two", "b", ("a", "b", "c", "d"),
                     "(b): the batch mean is halfway between the two values and the batch std is half their distance, so "
                     "every feature becomes -1 and +1 (train mode uses the batch's statistics, not the running averages).")
