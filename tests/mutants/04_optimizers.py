"""Hand-written mutants for 04_optimizers: the mistakes students (and other courses' solutions) really make.

A function listed here gets only these mutants, not the generic ones, so each list starts with the generic
two (next_w scaled by 1.001; the sign of next_w's largest entry flipped) written out, then the real mistakes.
Each string is appended to the answer cell and must redefine the function wrongly.
"""


def _generic(name):
    scale = (f"_right_{name} = {name}\n"
             f"def {name}(w, dw, config=None):\n"
             f"    next_w, config = _right_{name}(w, dw, config)\n"
             f"    return next_w * 1.001, config\n")
    sign = (f"_right_{name} = {name}\n"
            f"def {name}(w, dw, config=None):\n"
            f"    next_w, config = _right_{name}(w, dw, config)\n"
            f"    next_w = np.array(next_w, dtype=float)\n"
            f"    i = int(np.argmax(np.abs(next_w)))\n"
            f"    next_w.flat[i] = -next_w.flat[i]\n"
            f"    return next_w, config\n")
    return [scale, sign]


MUTANTS = {
    "sgd_momentum": _generic("sgd_momentum") + [
        # the velocity is computed but never saved back into config: every step starts from zero velocity
        "def sgd_momentum(w, dw, config=None):\n"
        "    config = {} if config is None else config\n"
        "    config.setdefault('learning_rate', 1e-2)\n"
        "    config.setdefault('momentum', 0.9)\n"
        "    v = config.get('velocity', np.zeros_like(w))\n"
        "    v = config['momentum'] * v + dw\n"
        "    return w - config['learning_rate'] * v, config\n",
        # the lecture's form v = mu v - lr dw; w += v, with the velocity key holding the lecture's v
        "def sgd_momentum(w, dw, config=None):\n"
        "    config = {} if config is None else config\n"
        "    config.setdefault('learning_rate', 1e-2)\n"
        "    config.setdefault('momentum', 0.9)\n"
        "    v = config['momentum'] * config.get('velocity', np.zeros_like(w)) - config['learning_rate'] * dw\n"
        "    config['velocity'] = v\n"
        "    return w + v, config\n",
    ],
    "adagrad": _generic("adagrad") + [
        # epsilon inside the square root
        "def adagrad(w, dw, config=None):\n"
        "    config = {} if config is None else config\n"
        "    config.setdefault('learning_rate', 1e-2)\n"
        "    config.setdefault('epsilon', 1e-8)\n"
        "    cache = config.get('cache', np.zeros_like(w)) + dw ** 2\n"
        "    config['cache'] = cache\n"
        "    return w - config['learning_rate'] * dw / np.sqrt(cache + config['epsilon']), config\n",
    ],
    "rmsprop": _generic("rmsprop") + [
        # epsilon inside the square root
        "def rmsprop(w, dw, config=None):\n"
        "    config = {} if config is None else config\n"
        "    config.setdefault('learning_rate', 1e-2)\n"
        "    config.setdefault('decay_rate', 0.99)\n"
        "    config.setdefault('epsilon', 1e-8)\n"
        "    r = config['decay_rate']\n"
        "    cache = r * config.get('cache', np.zeros_like(w)) + (1 - r) * dw ** 2\n"
        "    config['cache'] = cache\n"
        "    return w - config['learning_rate'] * dw / np.sqrt(cache + config['epsilon']), config\n",
    ],
    "adam": _generic("adam") + [
        # no bias correction
        "def adam(w, dw, config=None):\n"
        "    config = {} if config is None else config\n"
        "    for k, d in [('learning_rate', 1e-3), ('beta1', 0.9), ('beta2', 0.999), ('epsilon', 1e-8)]:\n"
        "        config.setdefault(k, d)\n"
        "    config['t'] = config.get('t', 0) + 1\n"
        "    config['m'] = config['beta1'] * config.get('m', np.zeros_like(w)) + (1 - config['beta1']) * dw\n"
        "    config['v'] = config['beta2'] * config.get('v', np.zeros_like(w)) + (1 - config['beta2']) * dw ** 2\n"
        "    return w - config['learning_rate'] * config['m'] / (np.sqrt(config['v']) + config['epsilon']), config\n",
        # epsilon inside the square root
        "def adam(w, dw, config=None):\n"
        "    config = {} if config is None else config\n"
        "    for k, d in [('learning_rate', 1e-3), ('beta1', 0.9), ('beta2', 0.999), ('epsilon', 1e-8)]:\n"
        "        config.setdefault(k, d)\n"
        "    t = config['t'] = config.get('t', 0) + 1\n"
        "    config['m'] = config['beta1'] * config.get('m', np.zeros_like(w)) + (1 - config['beta1']) * dw\n"
        "    config['v'] = config['beta2'] * config.get('v', np.zeros_like(w)) + (1 - config['beta2']) * dw ** 2\n"
        "    m_hat = config['m'] / (1 - config['beta1'] ** t)\n"
        "    v_hat = config['v'] / (1 - config['beta2'] ** t)\n"
        "    return w - config['learning_rate'] * m_hat / np.sqrt(v_hat + config['epsilon']), config\n",
        # t never incremented (the bias correction divides by 1 - beta**0 = 0 at every step)
        "def adam(w, dw, config=None):\n"
        "    config = {} if config is None else config\n"
        "    for k, d in [('learning_rate', 1e-3), ('beta1', 0.9), ('beta2', 0.999), ('epsilon', 1e-8)]:\n"
        "        config.setdefault(k, d)\n"
        "    t = config.setdefault('t', 0)\n"
        "    config['m'] = config['beta1'] * config.get('m', np.zeros_like(w)) + (1 - config['beta1']) * dw\n"
        "    config['v'] = config['beta2'] * config.get('v', np.zeros_like(w)) + (1 - config['beta2']) * dw ** 2\n"
        "    with np.errstate(all='ignore'):\n"
        "        m_hat = config['m'] / (1 - config['beta1'] ** t)\n"
        "        v_hat = config['v'] / (1 - config['beta2'] ** t)\n"
        "        return w - config['learning_rate'] * m_hat / (np.sqrt(v_hat) + config['epsilon']), config\n",
        # t incremented after it is used (the first step divides by 1 - beta**0 = 0)
        "def adam(w, dw, config=None):\n"
        "    config = {} if config is None else config\n"
        "    for k, d in [('learning_rate', 1e-3), ('beta1', 0.9), ('beta2', 0.999), ('epsilon', 1e-8)]:\n"
        "        config.setdefault(k, d)\n"
        "    t = config.get('t', 0)\n"
        "    config['m'] = config['beta1'] * config.get('m', np.zeros_like(w)) + (1 - config['beta1']) * dw\n"
        "    config['v'] = config['beta2'] * config.get('v', np.zeros_like(w)) + (1 - config['beta2']) * dw ** 2\n"
        "    with np.errstate(all='ignore'):\n"
        "        m_hat = config['m'] / (1 - config['beta1'] ** t)\n"
        "        v_hat = config['v'] / (1 - config['beta2'] ** t)\n"
        "    config['t'] = t + 1\n"
        "    return w - config['learning_rate'] * m_hat / (np.sqrt(v_hat) + config['epsilon']), config\n",
        # beta2 default 0.99 (a common typo: RMSProp's decay_rate)
        "_right_adam2 = adam\n"
        "def adam(w, dw, config=None):\n"
        "    config = {} if config is None else config\n"
        "    config.setdefault('beta2', 0.99)\n"
        "    return _right_adam2(w, dw, config)\n",
        # beta2 default 0.9 (deck 001's Adam slide, Goodfellow's algorithm with rho_2 = 0.9)
        "_right_adam3 = adam\n"
        "def adam(w, dw, config=None):\n"
        "    config = {} if config is None else config\n"
        "    config.setdefault('beta2', 0.9)\n"
        "    return _right_adam3(w, dw, config)\n",
    ],
}
