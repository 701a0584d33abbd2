"""Questions of 07_augmentation ("predict, then run"): one check per q_ test cell, named as its grade_id."""
from autograde.checks import predicted_choice, predicted_number


def q_crop_positions(student):
    predicted_number(student, "predicted_crop_positions", 80, 82,
                     "Measured: 81. The padded image is 40 x 40, so the top and the left of a 32 x 32 window each take "
                     "the 9 values 0..8: 9 x 9 = 81 windows.")


def q_mixup_label(student):
    predicted_choice(student, "choice_mixup_label", "b", ("a", "b", "c"),
                     "mixup mixes the labels with the same lambda as the images: 0.7 cat + 0.3 dog has the target "
                     "[0.7, 0.3]. Training on [1, 0] asks the network to call a blend with 30% dog pure cat.")


def q_digit_augment(student):
    predicted_choice(student, "choice_digit_augment", "b", ("a", "b", "c"),
                     "Shifts by a pixel keep a digit a digit; a mirrored 2, 3 or 7 is not the same digit (a mirrored 3 "
                     "looks like an epsilon). The 10-crop column, mirrors included, is below the 5-crop one for every "
                     "network.")
