"""Learning-rate schedules and weight averaging (reference answers for 05_lr_schedules).

A schedule maps the step (or epoch) counter t = 0, 1, 2, ... to the learning rate used at that
step; lr0 is the initial learning rate. Every schedule here accepts t as an int or as a NumPy array
of ints (then it returns an array of the same shape), and agrees with torch.optim.lr_scheduler
where torch has it (the value torch's scheduler holds after t calls of scheduler.step()):

    step_decay(lr0, epoch, drop, milestones)   MultiStepLR(milestones, gamma=drop); StepLR(s, gamma)
                                               when milestones = (s, 2s, 3s, ...)
    exponential_decay(lr0, t, k)               ExponentialLR(gamma=exp(-k))
    inverse_time_decay(lr0, t, k)              LambdaLR(lambda t: 1 / (1 + k t))
    cosine_decay(lr0, t, T)                    CosineAnnealingLR(T_max=T, eta_min=0), 0 <= t <= T
    linear_decay(lr0, t, T)                    LinearLR(start_factor=1, end_factor=0, total_iters=T)
    inverse_sqrt_decay(lr0, t)                 LambdaLR(lambda t: t ** -0.5), t >= 1
    linear_warmup(schedule, warmup_steps)      SequentialLR([LambdaLR(t / warmup_steps), <schedule>],
                                               milestones=[warmup_steps])
    cosine_with_restarts(lr0, t, T0, T_mult)   CosineAnnealingWarmRestarts(T_0=T0, T_mult=T_mult)
    ema_update(avg, x, decay)                  the update of torch.optim.swa_utils.get_ema_multi_avg_fn
    polyak_average(avg, x, t)                  the uniform running mean of AveragedModel's default (SWA) average
"""
import numpy as np


def step_decay(lr0, epoch, drop=0.1, milestones=(30, 60, 90)):
    """lr0 multiplied by ``drop`` once for every milestone already reached (milestone <= epoch).

    milestones: increasing epochs. With the defaults: lr0 for epochs 0-29, 0.1 lr0 for 30-59, ...
    """
    passed = np.searchsorted(np.asarray(milestones), epoch, side="right")   # milestones <= epoch
    return lr0 * drop ** passed


def exponential_decay(lr0, t, k):
    """lr0 * exp(-k t): the learning rate shrinks by the same factor exp(-k) at every step."""
    return lr0 * np.exp(-k * t)


def inverse_time_decay(lr0, t, k):
    """lr0 / (1 + k t): halved at t = 1/k, then decays like 1/t."""
    return lr0 / (1 + k * t)


def cosine_decay(lr0, t, T):
    """Half a cosine from lr0 at t = 0 down to 0 at t = T:  lr0 * (1 + cos(pi t / T)) / 2."""
    return 0.5 * lr0 * (1 + np.cos(np.pi * t / T))


def linear_decay(lr0, t, T):
    """A straight line from lr0 at t = 0 to 0 at t = T, and 0 after T:  lr0 * (1 - min(t, T) / T)."""
    return lr0 * (1 - np.minimum(t, T) / T)


def inverse_sqrt_decay(lr0, t):
    """lr0 / sqrt(t) for t >= 1 (the decay of the Transformer schedule after its warmup)."""
    return lr0 / np.sqrt(t)


def linear_warmup(schedule, warmup_steps):
    """Prepend a linear warmup of ``warmup_steps`` steps to ``schedule`` (a function of t). Returns a function of t.

    For t < warmup_steps the learning rate rises linearly from 0 to schedule(0):
        schedule(0) * t / warmup_steps;
    from t = warmup_steps on, the schedule runs from its own start: schedule(t - warmup_steps).
    warmup_steps = 0 gives the schedule itself.
    """
    def warmed_up(t):
        if warmup_steps == 0:
            return schedule(t)
        if np.ndim(t) == 0:
            return schedule(0) * t / warmup_steps if t < warmup_steps else schedule(t - warmup_steps)
        t = np.asarray(t)
        return np.where(t < warmup_steps, schedule(0) * t / warmup_steps, schedule(np.maximum(t - warmup_steps, 0)))

    return warmed_up


def _restart_cycle(t, T0, T_mult):
    """(t_cur, T_i) for SGDR: steps into the current cycle, and that cycle's length.

    Cycle n (n = 0, 1, ...) has length T0 * T_mult**n and starts at T0 * (T_mult**n - 1) / (T_mult - 1).
    """
    t = np.asarray(t)
    if T_mult == 1:
        return t % T0, T0

    def start(n):
        return T0 * (T_mult ** n - 1) // (T_mult - 1)

    n = np.floor(np.log(t * (T_mult - 1) / T0 + 1) / np.log(T_mult)).astype(np.int64)
    n = n + (t >= start(n + 1)) - (t < start(n))          # repair floating-point rounding at a restart
    return t - start(n), T0 * T_mult ** n


def cosine_with_restarts(lr0, t, T0, T_mult=1):
    """SGDR (Loshchilov and Hutter, 2017): cosine decay from lr0 over a cycle, then a warm restart at lr0.

    The first cycle lasts T0 steps, each next one T_mult times longer (T_mult: a positive int):
        lr = lr0 * (1 + cos(pi * t_cur / T_i)) / 2,
    t_cur: steps since the last restart, T_i: the current cycle's length. As CosineAnnealingWarmRestarts.
    """
    t_cur, T_i = _restart_cycle(t, T0, T_mult)
    return 0.5 * lr0 * (1 + np.cos(np.pi * t_cur / T_i))


def ema_update(avg, x, decay):
    """One step of an exponential moving average of the weights (EMA; Polyak averaging is the uniform one): decay * avg + (1 - decay) * x.

    avg, x: arrays of the same shape (or numbers); decay in [0, 1), e.g. 0.99. Returns the new average.
    """
    return decay * avg + (1 - decay) * x


def polyak_average(avg, x, t):
    """Uniform (Polyak-Juditsky) average of the weights: the running mean of the first t values.

    avg: the mean of the first t - 1 values (ignored when t == 1); x: the t-th value (same shape, or numbers);
    t: the number of values averaged once x is included (an int >= 1). Returns the mean of all t values, a new
    array (avg is not changed): every value weighs 1/t, unlike the EMA, where recent values weigh more.
    As torch.optim.swa_utils.AveragedModel with its default (uniform, SWA) average, whose first update copies.
    """
    if t == 1:
        return x * 1.0
    return avg + (x - avg) / t
