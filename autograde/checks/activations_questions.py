"""Trusted checks of 01_activations' questions (predict, then run). The written answer is graded by hand."""
from autograde.checks import predicted_choice, predicted_number

SIGMOID_PRIME_10 = 4.5395807735907655e-05        # sigma(10) * (1 - sigma(10))


def q_local_gradient_10(student):
    predicted_number(student, "predicted_local_gradient_10", SIGMOID_PRIME_10 / 2, SIGMOID_PRIME_10 * 2,
                     f"sigma'(10) = sigma(10) (1 - sigma(10)) = {SIGMOID_PRIME_10:.2e}: about e^-10, because "
                     "1 - sigma(10) = sigma(-10) is about e^-10 and sigma(10) is about 1.")


def q_same_sign(student):
    predicted_choice(student, "choice_same_sign", "b", ("a", "b", "c"),
                     "Every input is positive, so each component x_i dL/df has the sign of the one number dL/df: "
                     "all 20 signs agree on every example (b).")


def q_zero_centred(student):
    predicted_choice(student, "choice_zero_centred", "a", ("a", "b", "c"),
                     "Only tanh is odd (tanh(-x) = -tanh(x)), so only its mean is 0 for symmetric inputs; Leaky ReLU, ELU, "
                     "GELU and Maxout all have a positive mean, as section 8 prints (a).")
