"""Every registered claim holds on every seed in claims.SEEDS (tests/claims/NN_topic.py; issue 25).

Run one notebook's claims alone: ``pytest tests/test_claims.py -k 05_lr_schedules -s`` (prints the
per-seed table and the spread of each claim).
"""
import importlib.util

import pytest

import claims
from harness import ASSIGNMENTS, REPO

pytestmark = pytest.mark.slow


def _claims(assignment):
    path = REPO / "tests" / "claims" / f"{assignment}.py"
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location(f"claims_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CLAIMS


CASES = [(a, c) for a in ASSIGNMENTS for c in _claims(a)]


@pytest.mark.parametrize("assignment,claim", CASES, ids=[f"{a}-{c.name}" for a, c in CASES])
def test_claim_holds_on_every_seed(assignment, claim):
    held, lines, spread = claims.check(claim)
    print(f"{assignment} {claim.name} ({claim.where}): {claim.text}\n" + "\n".join(lines) + f"\n  {spread}")
    assert held, (f"{assignment}: the claim '{claim.text}' ({claim.where}) fails on some seeds:\n"
                  + "\n".join(lines) + f"\n  {spread}\nSay it depends on the seed and print the spread, or fix it.")
