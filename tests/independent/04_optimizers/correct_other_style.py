"""A correct submission in another style, written from the released text: Nesterov from the derivation's
intermediate form (1 + rho) b_new - rho b, without setdefault; predictions as expressions."""

ANSWERS = {
    "nesterov": '''
def nesterov(w, dw, config=None):
    """Nesterov momentum in the look-ahead variable, as torch.optim.SGD(nesterov=True)."""
    if config is None:
        config = {}
    if "learning_rate" not in config:
        config["learning_rate"] = 1e-2
    if "momentum" not in config:
        config["momentum"] = 0.9
    lr, rho = config["learning_rate"], config["momentum"]
    b_old = config["velocity"] if "velocity" in config else np.zeros(w.shape)
    b_new = rho * b_old + dw
    config["velocity"] = b_new
    return w - lr * ((1 + rho) * b_new - rho * b_old), config
''',
    "q_momentum_steps_answer": '''
# shallow direction: 0.98 per step; heavy ball underdamped: sqrt(0.9) ~ 0.949 per step -> log ratio ~ 2.6
choice_momentum_steps = "b"
''',
    "q_adagrad_step_answer": '''
predicted_adagrad_step = 0.1 / np.sqrt(10_000)
''',
    "q_adam_first_step_answer": '''
lr, beta1, beta2 = 1e-3, 0.9, 0.999
predicted_first_step = lr
predicted_first_step_uncorrected = lr * (1 - beta1) / np.sqrt(1 - beta2)
''',
}
EXPECT = "full"
