"""Nesterov's look-ahead term taken with the buffer before its update (w - lr (dw + rho b_old)): the slip of a
derivation that stops one line early. Only nesterov's points are lost."""

ANSWERS = {
    "nesterov": '''
def nesterov(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    b = config.get("velocity", np.zeros_like(w))
    next_w = w - config["learning_rate"] * (dw + config["momentum"] * b)
    config["velocity"] = config["momentum"] * b + dw
    return next_w, config
''',
}
EXPECT = {"lost": ["test_nesterov"]}
