"""Plausible wrong predictions, everything else right: momentum "10 times fewer steps" (1 / (1 - rho)), AdaGrad's
step "stays at the learning rate", Adam's uncorrected first step "10 times smaller, since m is biased towards zero"
(forgetting that v is biased too). Each loses its own question's point; the corrected first step is right, but the
question grades both numbers together."""

ANSWERS = {
    "q_momentum_steps_answer": '''
choice_momentum_steps = "a"
''',
    "q_adagrad_step_answer": '''
predicted_adagrad_step = 0.1
''',
    "q_adam_first_step_answer": '''
predicted_first_step = 1e-3
predicted_first_step_uncorrected = 1e-4
''',
}
EXPECT = {"lost": ["q_momentum_steps", "q_adagrad_step", "q_adam_first_step"]}
