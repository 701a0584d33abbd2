"""Claims that must hold on every seed we check (issue 25: "lessons that hold").

Each notebook that prints a verdict, grades a prediction or compares two measured numbers in prose
registers the experiment behind it in ``tests/claims/NN_topic.py``:

    from claims import Claim

    CLAIMS = [
        Claim(
            name="ema_training_loss_lags",                    # short, unique in the notebook
            where="05 §8, Question 3's answer",               # where a reader meets the claim
            text="the EMA's training loss is higher than the final weights' at lr 0.1",
            experiment=lambda seed: {...},                   # seed -> plain dict of measured numbers
            holds=lambda r: r["ema_loss"] > r["final_loss"], # the claim, as a predicate on one result
            spread=("ema_loss", "final_loss"),               # numbers printed as mean and range over seeds
        ),
    ]

The experiment is the notebook's own computation at a small size (call the same trainlab/reference
functions the notebook's cells call; a claim run must take seconds, not minutes: the whole
tests/test_claims.py has a budget of about 3 minutes). ``SEEDS`` are the seeds every claim must hold on;
a claim that does not hold on all of them must not be a claim: the notebook says it depends on the seed
and prints the spread, and no question grades it.
"""
from dataclasses import dataclass, field
from typing import Callable

SEEDS = tuple(range(8))


@dataclass(frozen=True)
class Claim:
    name: str
    where: str
    text: str
    experiment: Callable[[int], dict]
    holds: Callable[[dict], bool]
    spread: tuple = field(default=())


def check(claim, seeds=SEEDS):
    """(held on every seed?, a table line per seed, the spread line) for one claim."""
    results = {seed: claim.experiment(seed) for seed in seeds}
    failed = [seed for seed, r in results.items() if not claim.holds(r)]
    lines = [f"  seed {seed}: {'holds ' if seed not in failed else 'FAILS '} "
             + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items())
             for seed, r in results.items()]
    spread = []
    for key in claim.spread:
        values = [float(r[key]) for r in results.values()]
        spread.append(f"{key} mean {sum(values) / len(values):.4g} range [{min(values):.4g}, {max(values):.4g}]")
    return not failed, lines, "; ".join(spread)
