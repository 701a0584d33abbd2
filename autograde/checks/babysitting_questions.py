"""Questions of 09_babysitting ("predict, then run"): one check per q_ test cell, named as its grade_id."""
from autograde.checks import predicted_choice, predicted_number


def q_initial_loss(student):
    predicted_number(student, "predicted_initial_loss", 2.2026, 2.4026,
                     "With tiny weights every score is ~0, the softmax is uniform over the 10 classes and the loss is "
                     "-log(1/10) = log 10 = 2.3026 (measured: 2.3026).")


def q_ratio_rule(student):
    predicted_choice(student, "choice_ratio_rule", "b", ("a", "b", "c"),
                     "The measured median ratio of W1 is about 6e-5 at lr 1e-3, 9e-4 at lr 3e-2 and 1e-2 at lr 1: the "
                     "rule of thumb's 1e-3 is met at 3e-2, while the best-learning rate of the three (1) sits ten times "
                     "above it. The rule is a starting point, not a target.")
