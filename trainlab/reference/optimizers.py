"""First-order update rules (reference answers for 04_optimizers).

Every rule has CS231n's signature

    rule(w, dw, config=None) -> (next_w, config)

w: the current weights (any shape); dw: the gradient of the loss with respect to w (same shape);
config: a dict with the hyperparameters and the optimizer's state for this one array. A missing
hyperparameter takes its default (written into config); missing state (velocity, cache, m, v, t)
starts at zero. The new state is saved back into config, which is returned, so that the next call
continues where this one stopped. Neither w nor dw is changed in place.

Keys and defaults (CS231n's names):
    sgd            learning_rate 1e-2
    sgd_momentum   learning_rate 1e-2, momentum 0.9, velocity
    nesterov       learning_rate 1e-2, momentum 0.9, velocity
    adagrad        learning_rate 1e-2, epsilon 1e-8, cache
    rmsprop        learning_rate 1e-2, decay_rate 0.99, epsilon 1e-8, cache
    adam           learning_rate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-8, m, v, t
    adamw          as adam, plus weight_decay 1e-2
    radam          as adam
    lookahead(inner_rule, k=5, alpha=0.5)  returns a rule; adds slow, lookahead_step to config

Each rule computes exactly what one step of the matching torch.optim optimizer computes
(SGD, SGD(nesterov=True), Adagrad, RMSprop(alpha=decay_rate), Adam, AdamW, RAdam) when that
optimizer's state holds the same velocity / cache / m, v, t.
"""
import numpy as np


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: w <- w - learning_rate * dw."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)

    next_w = w - config["learning_rate"] * dw
    return next_w, config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum, in PyTorch's form (the buffer accumulates gradients):

        v <- momentum * v + dw
        w <- w - learning_rate * v

    This is the same sequence of weights as the lecture's form v <- momentum * v - learning_rate * dw,
    w <- w + v (its v is -learning_rate times ours) as long as the learning rate is constant.
    config: learning_rate, momentum, velocity (shape of w, starts at zero).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    v = config["momentum"] * v + dw
    next_w = w - config["learning_rate"] * v

    config["velocity"] = v
    return next_w, config


def nesterov(w, dw, config=None):
    """Nesterov momentum, as torch.optim.SGD(nesterov=True):

        v <- momentum * v + dw
        w <- w - learning_rate * (dw + momentum * v)

    w here is the look-ahead point of the lecture's form (change of variables x~ = x + momentum * v),
    so the gradient dw is the one taken at the look-ahead point. config: as sgd_momentum.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    v = config["momentum"] * v + dw
    next_w = w - config["learning_rate"] * (dw + config["momentum"] * v)

    config["velocity"] = v
    return next_w, config


def adagrad(w, dw, config=None):
    """AdaGrad: per-coordinate step sizes that shrink with the sum of all squared gradients so far.

        cache <- cache + dw**2
        w <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    config: learning_rate, epsilon, cache (shape of w, starts at zero).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))

    cache = cache + dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])

    config["cache"] = cache
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: AdaGrad with a leaky (exponentially decaying) average of squared gradients.

        cache <- decay_rate * cache + (1 - decay_rate) * dw**2
        w <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    config: learning_rate, decay_rate (torch's alpha), epsilon, cache (starts at zero).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))

    rho = config["decay_rate"]
    cache = rho * cache + (1 - rho) * dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])

    config["cache"] = cache
    return next_w, config


def _adam_moments(dw, config):
    """Shared by adam, adamw, radam: set defaults, advance t, update m and v, save them. Returns (m, v, t)."""
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    m = config.get("m", np.zeros_like(dw))
    v = config.get("v", np.zeros_like(dw))
    t = config.get("t", 0) + 1                        # incremented before use: the first step has t = 1

    m = config["beta1"] * m + (1 - config["beta1"]) * dw
    v = config["beta2"] * v + (1 - config["beta2"]) * dw ** 2

    config["m"], config["v"], config["t"] = m, v, t
    return m, v, t


def adam(w, dw, config=None):
    """Adam (Kingma and Ba, 2015): momentum on the gradient, RMSProp on its square, both bias-corrected.

        t <- t + 1
        m <- beta1 * m + (1 - beta1) * dw            m_hat = m / (1 - beta1**t)
        v <- beta2 * v + (1 - beta2) * dw**2         v_hat = v / (1 - beta2**t)
        w <- w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    config: learning_rate, beta1, beta2, epsilon, m, v (shape of w, start at zero), t (starts at 0).
    """
    config = {} if config is None else config
    m, v, t = _adam_moments(dw, config)

    m_hat = m / (1 - config["beta1"] ** t)
    v_hat = v / (1 - config["beta2"] ** t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    return next_w, config


def adamw(w, dw, config=None):
    """AdamW (Loshchilov and Hutter, 2019), as torch.optim.AdamW: weight decay decoupled from the gradient.

        w <- w * (1 - learning_rate * weight_decay) - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    with m_hat, v_hat exactly as in adam (the decay never enters m or v, unlike an L2 term added to dw).
    config: as adam, plus weight_decay (default 1e-2, torch's).
    """
    config = {} if config is None else config
    config.setdefault("weight_decay", 1e-2)
    m, v, t = _adam_moments(dw, config)

    lr = config["learning_rate"]
    m_hat = m / (1 - config["beta1"] ** t)
    v_hat = v / (1 - config["beta2"] ** t)
    next_w = w * (1 - lr * config["weight_decay"]) - lr * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    return next_w, config


def radam(w, dw, config=None):
    """Rectified Adam (Liu et al., 2020), as torch.optim.RAdam.

    m, v, t as in adam. The adaptive step is used only once the variance of 1/sqrt(v_hat) is
    tractable (rho_t > 5), scaled by the rectification r_t; before that, plain momentum SGD:

        rho_inf = 2 / (1 - beta2) - 1,   rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        rho_t > 5:  r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                    w <- w - learning_rate * m_hat * r_t * sqrt(1 - beta2**t) / (sqrt(v) + epsilon)
        otherwise:  w <- w - learning_rate * m_hat

    (epsilon is added to sqrt(v), not to sqrt(v_hat): torch's form.) config: as adam.
    """
    config = {} if config is None else config
    m, v, t = _adam_moments(dw, config)

    beta2 = config["beta2"]
    m_hat = m / (1 - config["beta1"] ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    if rho_t > 5:
        r_t = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        step = m_hat * r_t * np.sqrt(1 - beta2 ** t) / (np.sqrt(v) + config["epsilon"])
    else:
        step = m_hat
    next_w = w - config["learning_rate"] * step
    return next_w, config


def lookahead(inner_rule, k=5, alpha=0.5):
    """Lookahead (Zhang et al., 2019): wrap ``inner_rule`` with slow weights. Returns a new update rule.

    The fast weights w take ordinary steps of inner_rule. After every k-th step the slow weights move
    a fraction alpha of the way towards the fast ones, and the fast weights restart from there:

        slow <- slow + alpha * (w - slow);   w <- slow

    The returned rule(w, dw, config) keeps, beside inner_rule's own state in the same config,
    "slow" (the slow weights; w itself at the first call) and "lookahead_step" (inner steps taken,
    starting at 0).
    """
    def rule(w, dw, config=None):
        config = {} if config is None else config
        slow = config["slow"] if "slow" in config else np.copy(w)
        step = config.get("lookahead_step", 0) + 1

        next_w, config = inner_rule(w, dw, config)
        if step % k == 0:
            slow = slow + alpha * (next_w - slow)
            next_w = slow.copy()

        config["slow"] = slow
        config["lookahead_step"] = step
        return next_w, config

    return rule
