"""Misconceptions for 05_lr_schedules (see __init__.py for the format)."""
import numpy as np

REFERENCE = "schedules"


# -- 2.1 step decay -----------------------------------------------------------------------------------

def step_decay_late(lr0, epoch, drop=0.1, milestones=(30, 60, 90)):
    passed = np.searchsorted(np.asarray(milestones), epoch, side="left")    # milestone < epoch: one epoch late
    return lr0 * drop ** passed


def step_decay_once(lr0, epoch, drop=0.1, milestones=(30, 60, 90)):
    passed = np.searchsorted(np.asarray(milestones), epoch, side="right")
    return lr0 * drop if passed > 0 else lr0 * 1.0              # not compounded


def step_decay_fixed_period(lr0, epoch, drop=0.1, milestones=(30, 60, 90)):
    return lr0 * drop ** (epoch // milestones[0])                # StepLR: only the first milestone used


# -- 2.2 smooth decays --------------------------------------------------------------------------------

def exponential_decay_k_as_factor(lr0, t, k):
    return lr0 * k ** t


def exponential_decay_off_by_one(lr0, t, k):
    return lr0 * np.exp(-k * (t + 1))


def exponential_decay_discrete(lr0, t, k):
    return lr0 * (1 - k) ** t


def inverse_time_decay_no_one(lr0, t, k):
    with np.errstate(divide="ignore"):
        return lr0 / (k * np.float64(t))


def inverse_time_decay_off_by_one(lr0, t, k):
    return lr0 / (1 + k * (t + 1))


def inverse_time_decay_sqrt(lr0, t, k):
    return lr0 / np.sqrt(1 + k * t)


def inverse_sqrt_decay_no_sqrt(lr0, t):
    return lr0 / t


def inverse_sqrt_decay_off_by_one(lr0, t):
    return lr0 / np.sqrt(t + 1)


def inverse_sqrt_decay_times(lr0, t):
    return lr0 * np.sqrt(t)


def cosine_decay_no_half(lr0, t, T):
    return lr0 * (1 + np.cos(np.pi * t / T))


def cosine_decay_no_pi(lr0, t, T):
    return 0.5 * lr0 * (1 + np.cos(t / T))


def cosine_decay_full_period(lr0, t, T):
    return 0.5 * lr0 * (1 + np.cos(2 * np.pi * t / T))


def cosine_decay_quarter(lr0, t, T):
    return lr0 * np.cos(np.pi * t / (2 * T))


def linear_decay_not_clipped(lr0, t, T):
    return lr0 * (1 - t / T)


def linear_decay_t_plus_one(lr0, t, T):
    return lr0 * (1 - np.minimum(t, T) / (T + 1))


def linear_decay_integer_division(lr0, t, T):
    return lr0 * (1 - np.minimum(t, T) // T)


# -- 2.3 warmup ---------------------------------------------------------------------------------------

def linear_warmup_scales(schedule, warmup_steps):
    def warmed_up(t):
        if warmup_steps == 0:
            return schedule(t)
        return schedule(t) * t / warmup_steps if t < warmup_steps else schedule(t)    # scales, does not delay
    return warmed_up


def linear_warmup_from_one_step(schedule, warmup_steps):
    def warmed_up(t):
        if warmup_steps == 0:
            return schedule(t)
        return schedule(0) * (t + 1) / warmup_steps if t < warmup_steps else schedule(t - warmup_steps)
    return warmed_up


def linear_warmup_ramp_to_one(schedule, warmup_steps):
    def warmed_up(t):
        if warmup_steps == 0:
            return schedule(t)
        return t / warmup_steps if t < warmup_steps else schedule(t - warmup_steps)   # ramps to 1, not schedule(0)
    return warmed_up


# -- 2.4 SGDR -----------------------------------------------------------------------------------------

def cosine_with_restarts_fixed_cycles(lr0, t, T0, T_mult=1):
    return 0.5 * lr0 * (1 + np.cos(np.pi * (t % T0) / T0))       # T_mult ignored


def cosine_with_restarts_late(lr0, t, T0, T_mult=1):
    t_cur, T_i = np.asarray(t), T0
    while t_cur > T_i:                                           # the cycle includes t = T_i (lr 0) before restarting
        t_cur, T_i = t_cur - T_i - 1, T_i * T_mult
    return 0.5 * lr0 * (1 + np.cos(np.pi * t_cur / T_i))


def cosine_with_restarts_current_length(lr0, t, T0, T_mult=1):
    n = 0
    while T_mult > 1 and t >= T0 * T_mult ** (n + 1):                           # restarts at T0 * T_mult**n, not at the cycles' sums
        n += 1
    T_i = T0 * T_mult ** n
    return 0.5 * lr0 * (1 + np.cos(np.pi * (t % T_i) / T_i))


# -- 2.5 EMA ------------------------------------------------------------------------------------------

def ema_update_swapped(avg, x, decay):
    return (1 - decay) * avg + decay * x


def ema_update_no_one_minus(avg, x, decay):
    return decay * avg + x


def ema_update_in_place(avg, x, decay):
    if isinstance(avg, np.ndarray):
        avg *= decay
        avg += (1 - decay) * x
        return avg
    return decay * avg + (1 - decay) * x


# -- 2.6 the uniform (Polyak) average --------------------------------------------------------------------

def polyak_average_divides_by_t_plus_one(avg, x, t):
    return avg + (x - avg) / (t + 1)                       # t taken as the count before x


def polyak_average_halves(avg, x, t):
    return x * 1.0 if t == 1 else 0.5 * (avg + x)          # the mean of the old average and the new value


def polyak_average_weights_swapped(avg, x, t):
    return avg / t + (1 - 1 / t) * x                       # the new value weighs (t - 1)/t


def polyak_average_sum(avg, x, t):
    return x * 1.0 if t == 1 else avg * (t - 1) + x        # the running sum, not the mean


def polyak_average_in_place(avg, x, t):
    if t == 1:
        return x * 1.0
    if isinstance(avg, np.ndarray):
        avg += (x - avg) / t
        return avg
    return avg + (x - avg) / t


def _e(section, name, advice, wrong, **more):
    return dict({"name": name, "advice": advice, "section": section, "wrong": wrong}, **more)


CATALOGUE = {
    "test_step_decay": [
        _e("2.1", "the learning rate drops one epoch after each milestone",
           "A milestone counts once it is reached (milestone <= epoch): np.searchsorted(milestones, epoch, side='right')",
           {"step_decay": step_decay_late}),
        _e("2.1", "step decay applies drop only once", "Multiply by drop once per milestone reached: lr0 * drop ** count",
           {"step_decay": step_decay_once}),
        _e("2.1", "step decay with a fixed period (epoch // milestones[0])",
           "Count the milestones reached; they need not be evenly spaced", {"step_decay": step_decay_fixed_period}),
    ],
    "test_exponential_decay": [
        _e("2.2", "k used as the factor (lr0 * k ** t)", "exponential_decay is lr0 * exp(-k t)",
           {"exponential_decay": exponential_decay_k_as_factor}),
        _e("2.2", "exponential decay off by one step (exp(-k (t + 1)))", "At t = 0 the rate is lr0: lr0 * exp(-k t)",
           {"exponential_decay": exponential_decay_off_by_one}),
        _e("2.2", "exponential decay as (1 - k) ** t", "Use the continuous form lr0 * exp(-k t) (ExponentialLR(gamma=exp(-k)))",
           {"exponential_decay": exponential_decay_discrete}),
    ],
    "test_inverse_time_decay": [
        _e("2.2", "inverse time decay without the 1 (lr0 / (k t))", "lr0 / (1 + k t): the 1 keeps lr0 at t = 0",
           {"inverse_time_decay": inverse_time_decay_no_one}, specific=True),
        _e("2.2", "inverse time decay off by one step", "At t = 0 the rate is lr0: lr0 / (1 + k t)",
           {"inverse_time_decay": inverse_time_decay_off_by_one}),
        _e("2.2", "inverse time decay under a square root", "lr0 / (1 + k t), no square root (that is another schedule)",
           {"inverse_time_decay": inverse_time_decay_sqrt}),
    ],
    "test_inverse_sqrt_decay": [
        _e("2.2", "inverse square-root decay without the square root", "lr0 / sqrt(t)",
           {"inverse_sqrt_decay": inverse_sqrt_decay_no_sqrt}),
        _e("2.2", "inverse square-root decay with t + 1", "lr0 / sqrt(t), for t >= 1",
           {"inverse_sqrt_decay": inverse_sqrt_decay_off_by_one}),
        _e("2.2", "inverse square-root decay multiplied by sqrt(t)", "Divide: lr0 / sqrt(t)",
           {"inverse_sqrt_decay": inverse_sqrt_decay_times}),
    ],
    "test_cosine_decay": [
        _e("2.2", "cosine decay without the factor 1/2", "lr0 * (1 + cos(π t / T)) / 2 starts at lr0, not 2 lr0",
           {"cosine_decay": cosine_decay_no_half}),
        _e("2.2", "cosine decay without π", "The angle is π t / T: half a period from t = 0 to t = T",
           {"cosine_decay": cosine_decay_no_pi}),
        _e("2.2", "cosine decay over a full period (2π)", "Half a cosine: the angle goes from 0 to π, so lr reaches 0 at T",
           {"cosine_decay": cosine_decay_full_period}),
        _e("2.2", "cosine decay as lr0 cos(π t / 2T)", "lr0 * (1 + cos(π t / T)) / 2",
           {"cosine_decay": cosine_decay_quarter}),
    ],
    "test_linear_decay": [
        _e("2.2", "linear decay not clipped after T (it goes negative)", "Use min(t, T): the rate stays 0 after T",
           {"linear_decay": linear_decay_not_clipped}),
        _e("2.2", "linear decay divided by T + 1", "lr0 * (1 - min(t, T) / T) reaches 0 exactly at t = T",
           {"linear_decay": linear_decay_t_plus_one}),
        _e("2.2", "linear decay with integer division (t // T)", "Use true division: min(t, T) / T",
           {"linear_decay": linear_decay_integer_division}),
    ],
    "test_linear_warmup": [
        _e("2.3", "warmup that scales the schedule instead of delaying it",
           "During warmup ramp to schedule(0): schedule(0) * t / warmup_steps; from t = warmup_steps on run the "
           "schedule from its start: schedule(t - warmup_steps)", {"linear_warmup": linear_warmup_scales}),
        _e("2.3", "warmup starting one step in ((t + 1) / warmup_steps)",
           "The rate at t = 0 is 0: schedule(0) * t / warmup_steps", {"linear_warmup": linear_warmup_from_one_step}),
        _e("2.3", "warmup ramps to 1 instead of schedule(0)", "Ramp linearly to schedule(0): schedule(0) * t / warmup_steps",
           {"linear_warmup": linear_warmup_ramp_to_one}),
    ],
    "test_cosine_with_restarts": [
        _e("2.4", "SGDR with T_mult ignored (every cycle T0 long)",
           "Cycle i lasts T0 * T_mult ** i: find the current cycle and the steps into it",
           {"cosine_with_restarts": cosine_with_restarts_fixed_cycles}),
        _e("2.4", "SGDR restarts one step late (t = T_i belongs to the old cycle)",
           "The restart happens at t = T_i: t_cur runs from 0 to T_i - 1 in each cycle",
           {"cosine_with_restarts": cosine_with_restarts_late}),
        _e("2.4", "SGDR restarts at T0 * T_mult ** n instead of the sums of the cycle lengths",
           "Cycle n starts at T0 (T_mult ** n - 1) / (T_mult - 1), the sum of the lengths before it",
           {"cosine_with_restarts": cosine_with_restarts_current_length}),
    ],
    "test_ema_update": [
        _e("2.5", "the EMA's weights swapped ((1 - decay) avg + decay x)",
           "decay weights the old average: decay * avg + (1 - decay) * x", {"ema_update": ema_update_swapped}),
        _e("2.5", "the EMA without (1 - decay) on x", "decay * avg + (1 - decay) * x keeps the average's scale",
           {"ema_update": ema_update_no_one_minus}),
        _e("2.5", "ema_update changes avg in place", "Return a new array: decay * avg + (1 - decay) * x",
           {"ema_update": ema_update_in_place}, specific=True),
    ],
    "test_polyak_average": [
        _e("2.6", "the uniform average divided by t + 1 (t counted before the new value)",
           "t already counts x: the mean of t values is avg + (x - avg) / t, and at t = 1 it is x itself",
           {"polyak_average": polyak_average_divides_by_t_plus_one}),
        _e("2.6", "the uniform average as (avg + x) / 2", "Each of the t values weighs 1/t: avg + (x - avg) / t",
           {"polyak_average": polyak_average_halves}),
        _e("2.6", "the uniform average with the weights swapped (avg / t + (t - 1) / t * x)",
           "The old mean stands for t - 1 values: ((t - 1) avg + x) / t", {"polyak_average": polyak_average_weights_swapped}),
        _e("2.6", "the running sum instead of the mean", "Divide by the number of values t: ((t - 1) avg + x) / t",
           {"polyak_average": polyak_average_sum}),
        _e("2.6", "polyak_average changes avg in place", "Return a new array: avg + (x - avg) / t",
           {"polyak_average": polyak_average_in_place}, specific=True),
    ],
}
