"""Regenerate the demo's sample class (autograde/samples/submitted/) from the student release.

    python tools/make_samples.py            # rewrite ada, ben and cleo from notebooks/01_activations
    python tools/make_samples.py --check    # exit 1 (and say which) when a sample is out of date

Each sample is the release notebook with only the student's answer cells changed:
  ada   correct answers in her own style (boolean masks, np.dot, expm1, ...), right predictions and a
        written answer;
  ben   plausible bugs (the textbook sigmoid that overflows, a Leaky ReLU that ignores alpha, a sign
        slip in Maxout's backward pass) and one wrong prediction;
  cleo  the untouched release.
The answers are the ones already in the samples (so a regenerated sample keeps its student's code);
when a sample is missing they come from tests/hostile/make_class.py, where they are written out.
Everything else (markdown, test cells, metadata) is the release's, so the samples follow the release.
"""
import argparse
import copy
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT, NOTEBOOK = "01_activations", "activations.ipynb"
SAMPLES = REPO / "autograde" / "samples" / "submitted"
STUDENTS = {"ada": "correct", "ben": "buggy", "cleo": None}


def _gid(cell):
    return (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")


def _is_answer(cell):
    """An answer cell: code, or a written answer (markdown graded by hand)."""
    md = cell.get("metadata", {}).get("nbgrader") or {}
    return bool(md.get("solution"))


def _fallback_answers(kind):
    sys.path.insert(0, str(REPO / "tests" / "hostile"))
    import make_class
    if kind == "correct":
        return {**make_class.CORRECT, **make_class.QUESTIONS}
    return {**make_class.BUGGY, **make_class.QUESTIONS_BUGGY}


def answers_of(path):
    """{grade_id: source} of the answer cells of an existing sample."""
    nb = nbformat.read(str(path), as_version=4)
    return {_gid(c): c.source for c in nb.cells if _is_answer(c) and _gid(c)}


def sample(release, kind, existing=None):
    """The release notebook with the answer cells of ``kind`` (None: untouched)."""
    nb = copy.deepcopy(release)
    if kind is None:
        return nb
    answers = {}
    if existing is not None and existing.exists():
        answers = answers_of(existing)
    answers = {k: v for k, v in answers.items() if "raise NotImplementedError" not in v and "YOUR ANSWER HERE" not in v}
    answers = {**_fallback_answers(kind), **answers}      # a cell new in the release gets the fallback's answer
    for cell in nb.cells:
        if _is_answer(cell) and _gid(cell) in answers:
            cell.source = answers[_gid(cell)]
    return nb


def build(root=REPO, samples=SAMPLES):
    release = nbformat.read(str(Path(root) / "notebooks" / ASSIGNMENT / NOTEBOOK), as_version=4)
    return {student: nbformat.writes(sample(release, kind, Path(samples) / student / ASSIGNMENT / NOTEBOOK)) + "\n"
            for student, kind in STUDENTS.items()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="only check that the samples are up to date")
    p.add_argument("--out", default=str(SAMPLES), help="the samples folder (default: autograde/samples/submitted)")
    args = p.parse_args(argv)
    out = Path(args.out)
    texts = build(REPO, out)
    stale = []
    for student, text in texts.items():
        path = out / student / ASSIGNMENT / NOTEBOOK
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(student)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if args.check:
        if stale:
            print(f"out of date with notebooks/{ASSIGNMENT}: {', '.join(stale)} (run python tools/make_samples.py)")
            return 1
        print("the samples are up to date")
        return 0
    print(f"wrote {', '.join(stale) or 'nothing (already up to date)'} in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
