"""Trusted checks for the questions of 02_initialization ("predict, then run"), one per q_ test cell.

The accepted ranges are stated in the questions; the measured values they are built around are printed by the
notebook's own cells (layer-10 std about 3e-7 for 0.01 init; constant-init validation accuracy about 0.10).
"""
from autograde.checks import predicted_choice, predicted_number


def q_layer10_std(student):
    predicted_number(student, "predicted_layer10_std", 0.0, 1e-5,
                     "The measured std at layer 10 is about 3e-7: each layer multiplies the std by 0.01 * sqrt(500) = 0.22 "
                     "(tanh is linear near 0), and 0.22**10 is about 3e-7.")


def q_big_init(student):
    predicted_choice(student, "choice_big_init", "b", ("a", "b", "c"),
                     "(b): with 1.0 * randn weights the pre-activations have std about sqrt(500) = 22, so tanh sits at -1 or +1 "
                     "for almost every unit, at every layer (std of the activations about 0.98).")


def q_big_init_gradient(student):
    predicted_choice(student, "choice_big_init_gradient", "c", ("a", "b", "c"),
                     "(c): it explodes. Most units are saturated, but the few that are not multiply the gradient by weights "
                     "of size 1 summed over 500 inputs, a factor of about 3-4 per layer: about 1e5 at layer 1.")


def q_constant_accuracy(student):
    predicted_number(student, "predicted_constant_accuracy", 0.0, 0.2,
                     "The measured validation accuracy is about 0.10, chance level: with equal weights all 50 hidden units "
                     "get the same gradient and stay identical, so the network is a 64 -> 1 -> 10 net.")
