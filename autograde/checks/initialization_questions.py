"""Trusted checks for the questions of 02_initialization ("predict, then run"), one per q_ test cell.

The accepted ranges are stated in the questions; the measured values they are built around are printed by the
notebook's own cells (layer-10 std about 3e-7 for 0.01 init, so 0 is rejected; constant-init validation accuracy about 0.10, and
at most about 0.2 for one effective bias-free unit).
"""
from autograde.checks import predicted_choice, predicted_number


def q_layer10_std(student):
    predicted_number(student, "predicted_layer10_std", 1e-8, 1e-5,
                     "The measured std at layer 10 is about 3e-7: each layer multiplies the std by 0.01 * sqrt(500) = 0.22 "
                     "(tanh is linear near 0), and 0.22**10 is about 3e-7. (0, the lecture's rounded 0.000000, is not accepted: "
                     "the activations shrink but never become exactly 0.)")


def q_big_init(student):
    predicted_choice(student, "choice_big_init", "b", ("a", "b", "c"),
                     "(b): with 1.0 * randn weights the pre-activations have std about sqrt(500) = 22, so tanh sits at -1 or +1 "
                     "for almost every unit, at every layer (std of the activations about 0.98).")


def q_big_init_gradient(student):
    predicted_choice(student, "choice_big_init_gradient", "c", ("a", "b", "c"),
                     "(c): it explodes. Most units are saturated, but the few that are not multiply the gradient by weights "
                     "of size 1 summed over 500 inputs, a factor of about 3-4 per layer: about 1e5 at layer 1.")


def q_constant_accuracy(student):
    predicted_number(student, "predicted_constant_accuracy", 0.05, 0.25,
                     "The measured validation accuracy is about 0.10, chance level: with equal weights all 50 hidden units "
                     "get the same gradient and stay identical, so the network has one effective hidden unit; with no biases "
                     "it can predict at most two classes (about 0.2), and here that unit is saturated (tanh of 64 pixels "
                     "times 0.1) for every digit, so it predicts a single class.")
