"""Questions of 08_transfer_learning ("predict, then run"): one check per q_ test cell, named as its grade_id."""
from autograde.checks import predicted_choice, predicted_number


def q_trainable(student):
    predicted_number(student, "predicted_trainable", 325 * 0.99, 325 * 1.01,
                     "Measured: 325. With the backbone frozen only the new head trains: a 64 x 5 weight matrix and 5 biases.")


def q_little_similar(student):
    predicted_choice(student, "choice_little_similar", "b", ("a", "b", "c"),
                     "With 10 images of similar data the pretrained backbone wins by a wide margin (the probe is as good "
                     "as fine-tuning, about 0.7 against under 0.6 from scratch and about 0.25 on raw pixels): its features "
                     "already separate new digits, which ten images cannot teach a network from scratch.")
