"""Misconceptions for 04_optimizers (see __init__.py for the format).

Several come from tests/mutants/04_optimizers.py (the mistakes other courses' solutions make).
"""
import numpy as np

REFERENCE = "optimizers"


# -- 2.1 SGD ------------------------------------------------------------------------------------------

def sgd_ascent(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w + config["learning_rate"] * dw, config             # + : climbs the loss


def sgd_default_not_saved(w, dw, config=None):
    config = {} if config is None else config
    return w - config.get("learning_rate", 1e-2) * dw, config   # the default never written into config


def sgd_in_place(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw                           # changes the caller's array
    return w, config


# -- 2.2 momentum -------------------------------------------------------------------------------------

def sgd_momentum_velocity_not_saved(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config["momentum"] * config.get("velocity", np.zeros_like(w)) + dw
    return w - config["learning_rate"] * v, config


def sgd_momentum_lecture_velocity(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config["momentum"] * config.get("velocity", np.zeros_like(w)) - config["learning_rate"] * dw
    config["velocity"] = v                                      # the lecture's v, -learning_rate times ours
    return w + v, config


def sgd_momentum_dampened(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu = config["momentum"]
    v = mu * config.get("velocity", np.zeros_like(w)) + (1 - mu) * dw   # an average, not a sum
    config["velocity"] = v
    return w - config["learning_rate"] * v, config


def sgd_momentum_old_velocity(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    next_w = w - config["learning_rate"] * v                    # steps with the velocity before the update
    config["velocity"] = config["momentum"] * v + dw
    return next_w, config


# -- 2.3 Nesterov -------------------------------------------------------------------------------------

def nesterov_plain_momentum(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config["momentum"] * config.get("velocity", np.zeros_like(w)) + dw
    config["velocity"] = v
    return w - config["learning_rate"] * v, config              # no look-ahead term


def nesterov_lookahead_without_momentum(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config["momentum"] * config.get("velocity", np.zeros_like(w)) + dw
    config["velocity"] = v
    return w - config["learning_rate"] * (dw + v), config       # momentum factor missing on v


def nesterov_velocity_not_saved(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config["momentum"] * config.get("velocity", np.zeros_like(w)) + dw
    return w - config["learning_rate"] * (dw + config["momentum"] * v), config


def nesterov_cs231n_form(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu = config["momentum"]
    v_prev = config.get("velocity", np.zeros_like(w))
    v = mu * v_prev - config["learning_rate"] * dw              # the lecture's velocity, kept in config
    config["velocity"] = v
    return w - mu * v_prev + (1 + mu) * v, config


def nesterov_old_buffer(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu = config["momentum"]
    b = config.get("velocity", np.zeros_like(w))
    next_w = w - config["learning_rate"] * (dw + mu * b)        # the look-ahead term with the buffer before its update
    config["velocity"] = mu * b + dw
    return next_w, config


# -- 2.4 AdaGrad and 2.5 RMSProp ----------------------------------------------------------------------

def adagrad_eps_inside(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / np.sqrt(cache + config["epsilon"]), config


def adagrad_cache_not_saved(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw ** 2
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adagrad_leaky(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = 0.99 * config.get("cache", np.zeros_like(w)) + 0.01 * dw ** 2      # RMSProp's average
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adagrad_torch_eps(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-10)                         # torch.optim.Adagrad's default
    cache = config.get("cache", np.zeros_like(w)) + dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def _rmsprop(w, dw, config, eps_inside=False, swapped=False, save=True, no_one_minus=False):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    rho = config["decay_rate"]
    old = config.get("cache", np.zeros_like(w))
    if swapped:
        cache = (1 - rho) * old + rho * dw ** 2
    elif no_one_minus:
        cache = rho * old + dw ** 2
    else:
        cache = rho * old + (1 - rho) * dw ** 2
    if save:
        config["cache"] = cache
    denom = np.sqrt(cache + config["epsilon"]) if eps_inside else np.sqrt(cache) + config["epsilon"]
    return w - config["learning_rate"] * dw / denom, config


def rmsprop_eps_inside(w, dw, config=None):
    return _rmsprop(w, dw, config, eps_inside=True)


def rmsprop_decay_swapped(w, dw, config=None):
    return _rmsprop(w, dw, config, swapped=True)


def rmsprop_cache_not_saved(w, dw, config=None):
    return _rmsprop(w, dw, config, save=False)


def rmsprop_no_one_minus(w, dw, config=None):
    return _rmsprop(w, dw, config, no_one_minus=True)


# -- 2.6 Adam -----------------------------------------------------------------------------------------

def _defaults(config):
    config = {} if config is None else config
    for k, d in [("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)]:
        config.setdefault(k, d)
    return config


def adam_no_bias_correction(w, dw, config=None):
    config = _defaults(config)
    config["t"] = config.get("t", 0) + 1
    config["m"] = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    return w - config["learning_rate"] * config["m"] / (np.sqrt(config["v"]) + config["epsilon"]), config


def adam_eps_inside(w, dw, config=None):
    config = _defaults(config)
    t = config["t"] = config.get("t", 0) + 1
    config["m"] = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    m_hat = config["m"] / (1 - config["beta1"] ** t)
    v_hat = config["v"] / (1 - config["beta2"] ** t)
    return w - config["learning_rate"] * m_hat / np.sqrt(v_hat + config["epsilon"]), config


def adam_t_after_use(w, dw, config=None):
    config = _defaults(config)
    t = config.get("t", 0)
    config["m"] = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    with np.errstate(all="ignore"):
        m_hat = config["m"] / (1 - config["beta1"] ** t)
        v_hat = config["v"] / (1 - config["beta2"] ** t)
        next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    config["t"] = t + 1
    return next_w, config


def adam_t_not_saved(w, dw, config=None):
    config = _defaults(config)
    t = config.get("t", 0) + 1                                  # never written back: every step is step 1
    config["m"] = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    m_hat = config["m"] / (1 - config["beta1"] ** t)
    v_hat = config["v"] / (1 - config["beta2"] ** t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


def adam_moments_not_saved(w, dw, config=None):
    config = _defaults(config)
    t = config["t"] = config.get("t", 0) + 1
    m = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    v = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    m_hat = m / (1 - config["beta1"] ** t)
    v_hat = v / (1 - config["beta2"] ** t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


def adam_beta2_099(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("beta2", 0.99)                            # a common typo (RMSProp's decay_rate)
    config = _defaults(config)
    t = config["t"] = config.get("t", 0) + 1
    config["m"] = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    m_hat = config["m"] / (1 - config["beta1"] ** t)
    v_hat = config["v"] / (1 - config["beta2"] ** t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


def adam_beta2_09(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("beta2", 0.9)                             # deck 001's Adam slide (rho_2 = 0.9)
    return adam_beta2_099(w, dw, config)


# -- 3. AdamW, RAdam, Lookahead -----------------------------------------------------------------------

def _adam_step(w, dw, config):
    config = _defaults(config)
    t = config["t"] = config.get("t", 0) + 1
    config["m"] = config["beta1"] * config.get("m", np.zeros_like(dw)) + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config.get("v", np.zeros_like(dw)) + (1 - config["beta2"]) * dw ** 2
    m_hat = config["m"] / (1 - config["beta1"] ** t)
    v_hat = config["v"] / (1 - config["beta2"] ** t)
    return m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


def adamw_l2_in_gradient(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("weight_decay", 1e-2)
    step, config = _adam_step(w, dw + config["weight_decay"] * w, config)      # Adam with L2: not decoupled
    return w - config["learning_rate"] * step, config


def adamw_decay_after_step(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("weight_decay", 1e-2)
    step, config = _adam_step(w, dw, config)
    lr = config["learning_rate"]
    return (w - lr * step) * (1 - lr * config["weight_decay"]), config


def adamw_decay_without_lr(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("weight_decay", 1e-2)
    step, config = _adam_step(w, dw, config)
    return w * (1 - config["weight_decay"]) - config["learning_rate"] * step, config


def _radam(w, dw, config, rectify=True, no_sqrt_correction=False, sgd_branch="m_hat"):
    config = _defaults(config)
    t = config["t"] = config.get("t", 0) + 1
    config["m"] = m = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    config["v"] = v = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    beta2 = config["beta2"]
    m_hat = m / (1 - config["beta1"] ** t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    if rho_t > 5:
        r_t = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) if rectify else 1.0
        if no_sqrt_correction:
            step = m_hat * r_t / (np.sqrt(v) + config["epsilon"])        # v not bias-corrected
        else:
            step = m_hat * r_t * np.sqrt(1 - beta2 ** t) / (np.sqrt(v) + config["epsilon"])
    else:
        step = {"m_hat": m_hat, "none": 0.0, "m": m}[sgd_branch]
    return w - config["learning_rate"] * step, config


def radam_no_rectification(w, dw, config=None):
    return _radam(w, dw, config, rectify=False)


def radam_v_uncorrected(w, dw, config=None):
    return _radam(w, dw, config, no_sqrt_correction=True)


def radam_no_early_step(w, dw, config=None):
    return _radam(w, dw, config, sgd_branch="none")


def radam_early_step_uncorrected(w, dw, config=None):
    return _radam(w, dw, config, sgd_branch="m")


def _lookahead(inner_rule, k, alpha, copy_back=True, zero_slow=False, every_step=False, alpha_swapped=False):
    def rule(w, dw, config=None):
        config = {} if config is None else config
        slow = config["slow"] if "slow" in config else (np.zeros_like(w) if zero_slow else np.copy(w))
        step = config.get("lookahead_step", 0) + 1
        next_w, config = inner_rule(w, dw, config)
        if every_step or step % k == 0:
            slow = slow + ((1 - alpha) if alpha_swapped else alpha) * (next_w - slow)
            if copy_back:
                next_w = slow.copy()
        config["slow"] = slow
        config["lookahead_step"] = step
        return next_w, config

    return rule


def lookahead_no_copy_back(inner_rule, k=5, alpha=0.5):
    return _lookahead(inner_rule, k, alpha, copy_back=False)


def lookahead_zero_slow(inner_rule, k=5, alpha=0.5):
    return _lookahead(inner_rule, k, alpha, zero_slow=True)


def lookahead_every_step(inner_rule, k=5, alpha=0.5):
    return _lookahead(inner_rule, k, alpha, every_step=True)


def lookahead_alpha_swapped(inner_rule, k=5, alpha=0.5):
    return _lookahead(inner_rule, k, alpha, alpha_swapped=True)


def _e(section, name, advice, wrong, **more):
    return dict({"name": name, "advice": advice, "section": section, "wrong": wrong}, **more)


CATALOGUE = {
    "test_sgd": [
        _e("2.1", "sgd steps up the gradient (w + learning_rate * dw)", "Step against the gradient: w - learning_rate * dw",
           {"sgd": sgd_ascent}),
        _e("2.1", "sgd's default learning rate not written into config",
           "Use config.setdefault('learning_rate', 1e-2), so the returned config holds the value used",
           {"sgd": sgd_default_not_saved}, specific=True),
        _e("2.1", "sgd changes w in place (w -= ...)", "Compute a new array: next_w = w - learning_rate * dw",
           {"sgd": sgd_in_place}),
    ],
    "test_sgd_momentum": [
        _e("2.2", "the momentum buffer not saved into config",
           "Write the new velocity back: config['velocity'] = v, so the next step continues from it",
           {"sgd_momentum": sgd_momentum_velocity_not_saved}),
        _e("2.2", "the lecture's velocity (v = mu v - lr dw) kept in config['velocity']",
           "This notebook uses PyTorch's buffer: v = momentum * v + dw, then w - learning_rate * v",
           {"sgd_momentum": sgd_momentum_lecture_velocity}),
        _e("2.2", "momentum as an average (v = mu v + (1 - mu) dw)",
           "The buffer sums gradients: v = momentum * v + dw (no 1 - momentum factor)",
           {"sgd_momentum": sgd_momentum_dampened}),
        _e("2.2", "the step taken with the velocity before its update",
           "Update v = momentum * v + dw first, then step with the new v", {"sgd_momentum": sgd_momentum_old_velocity}),
    ],
    "test_nesterov": [
        _e("2.3", "Nesterov written as plain momentum (no look-ahead term)",
           "Step with dw + momentum * v (the new v), as SGD(nesterov=True)", {"nesterov": nesterov_plain_momentum}),
        _e("2.3", "Nesterov's step as dw + v (momentum factor missing)",
           "Step with dw + momentum * v, the gradient plus the look-ahead along the velocity",
           {"nesterov": nesterov_lookahead_without_momentum}),
        _e("2.3", "Nesterov's velocity not saved into config", "Write config['velocity'] = v back",
           {"nesterov": nesterov_velocity_not_saved}),
        _e("2.3", "Nesterov's look-ahead term with the buffer before its update",
           "Update the buffer first (v = momentum * v + dw), then step with dw + momentum * (the new v): "
           "the derivation's b_new, not b", {"nesterov": nesterov_old_buffer}),
        _e("2.3", "the lecture's Nesterov form with its own velocity",
           "This notebook follows torch.optim.SGD(nesterov=True): v = momentum * v + dw; "
           "w - learning_rate * (dw + momentum * v)", {"nesterov": nesterov_cs231n_form}),
    ],
    "test_adagrad": [
        _e("2.4", "AdaGrad with epsilon inside the square root",
           "Divide by np.sqrt(cache) + epsilon, not np.sqrt(cache + epsilon)", {"adagrad": adagrad_eps_inside}),
        _e("2.4", "AdaGrad's cache not saved into config", "Write config['cache'] = cache back after adding dw ** 2",
           {"adagrad": adagrad_cache_not_saved}),
        _e("2.4", "AdaGrad's cache as a decaying average (that is RMSProp)",
           "AdaGrad adds every squared gradient: cache = cache + dw ** 2", {"adagrad": adagrad_leaky}),
        _e("2.4", "AdaGrad with PyTorch's default epsilon 1e-10", "The default here is epsilon = 1e-8",
           {"adagrad": adagrad_torch_eps}),
    ],
    "test_rmsprop": [
        _e("2.5", "RMSProp with epsilon inside the square root",
           "Divide by np.sqrt(cache) + epsilon, not np.sqrt(cache + epsilon)", {"rmsprop": rmsprop_eps_inside}),
        _e("2.5", "RMSProp's decay rate on the wrong term",
           "cache = decay_rate * cache + (1 - decay_rate) * dw ** 2: the old cache keeps the large share",
           {"rmsprop": rmsprop_decay_swapped}),
        _e("2.5", "RMSProp's cache not saved into config", "Write config['cache'] = cache back",
           {"rmsprop": rmsprop_cache_not_saved}),
        _e("2.5", "RMSProp without the (1 - decay_rate) factor",
           "cache = decay_rate * cache + (1 - decay_rate) * dw ** 2", {"rmsprop": rmsprop_no_one_minus}),
    ],
    "test_adam": [
        _e("2.6", "Adam without bias correction",
           "Divide m by (1 - beta1 ** t) and v by (1 - beta2 ** t) before the step", {"adam": adam_no_bias_correction},
           hint=True),
        _e("2.6", "Adam with epsilon inside the square root",
           "Divide by np.sqrt(v_hat) + epsilon, not np.sqrt(v_hat + epsilon)", {"adam": adam_eps_inside}),
        _e("2.6", "Adam's bias correction with t = 0 (t incremented after it is used, or never)",
           "Increment t first (the first step has t = 1), then bias-correct with it: 1 - beta ** 0 = 0",
           {"adam": adam_t_after_use}, specific=True),
        _e("2.6", "Adam's t not saved into config", "Write config['t'] = t back, so the bias correction fades",
           {"adam": adam_t_not_saved}),
        _e("2.6", "Adam's m and v not saved into config", "Write config['m'] and config['v'] back after updating them",
           {"adam": adam_moments_not_saved}),
        _e("2.6", "Adam with the default beta2 = 0.99", "Adam's defaults: beta1 = 0.9, beta2 = 0.999",
           {"adam": adam_beta2_099}),
        _e("2.6", "Adam with the default beta2 = 0.9 (deck 001's slide)", "Adam's defaults: beta1 = 0.9, beta2 = 0.999",
           {"adam": adam_beta2_09}),
    ],
    "test_adamw": [
        _e("3", "AdamW written as Adam with L2 in the gradient",
           "Decouple the decay: w * (1 - learning_rate * weight_decay) - learning_rate * m_hat / (sqrt(v_hat) + eps), "
           "with m and v from dw alone", {"adamw": adamw_l2_in_gradient}),
        _e("3", "AdamW's decay applied after the Adam step",
           "Decay the current weights: w * (1 - lr * weight_decay) - lr * m_hat / (sqrt(v_hat) + eps)",
           {"adamw": adamw_decay_after_step}),
        _e("3", "AdamW's decay without the learning rate", "The decay factor is 1 - learning_rate * weight_decay",
           {"adamw": adamw_decay_without_lr}),
    ],
    "test_radam": [
        _e("3", "RAdam without the rectification r_t", "Multiply the adaptive step by r_t once rho_t > 5",
           {"radam": radam_no_rectification}),
        _e("3", "RAdam's adaptive step without v's bias correction",
           "The adaptive step is m_hat * r_t * sqrt(1 - beta2 ** t) / (sqrt(v) + epsilon)", {"radam": radam_v_uncorrected}),
        _e("3", "RAdam takes no step while rho_t <= 5",
           "Before the variance is tractable RAdam takes a momentum step: w - learning_rate * m_hat",
           {"radam": radam_no_early_step}),
        _e("3", "RAdam's early step with m instead of m_hat", "Use the bias-corrected m_hat = m / (1 - beta1 ** t)",
           {"radam": radam_early_step_uncorrected}),
    ],
    "test_lookahead": [
        _e("3", "Lookahead never resets the fast weights to the slow ones",
           "After every k-th step return the new slow weights (a copy) as next_w", {"lookahead": lookahead_no_copy_back}),
        _e("3", "Lookahead's slow weights start at zero", "At the first call the slow weights are w itself (a copy)",
           {"lookahead": lookahead_zero_slow}),
        _e("3", "Lookahead synchronises at every step (k ignored)",
           "Move the slow weights only when lookahead_step % k == 0", {"lookahead": lookahead_every_step}),
        _e("3", "Lookahead moves the slow weights by 1 - alpha",
           "slow <- slow + alpha * (fast - slow): alpha is the fraction of the way towards the fast weights",
           {"lookahead": lookahead_alpha_swapped}),
    ],
}
