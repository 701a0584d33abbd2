"""The change of variables derived right (x~ <- x~ - rho v + (1 + rho) v_new) but with the lecture's velocity
v = rho v - lr dw kept in config["velocity"] instead of the buffer the contract asks for: from a zero start the weights
are right, but config["velocity"] is -lr times torch's momentum_buffer, and a run handed a buffer goes wrong. Only
nesterov's points are lost."""

ANSWERS = {
    "nesterov": '''
def nesterov(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    rho = config["momentum"]
    v = config.get("velocity", np.zeros_like(w))
    v_new = rho * v - config["learning_rate"] * dw
    config["velocity"] = v_new
    return w - rho * v + (1 + rho) * v_new, config
''',
}
EXPECT = {"lost": ["test_nesterov"]}
