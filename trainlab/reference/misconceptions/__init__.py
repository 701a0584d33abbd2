"""The misconception catalogue: per graded test cell, the wrong answers students really write.

One module per notebook, named as the notebook's file stem (``lr_schedules.py`` for
``05_lr_schedules/lr_schedules.ipynb``). Instructor-only, like the rest of ``trainlab/reference``: the
student bundle leaves the whole folder out. Like the reference modules, these import nothing of ours:
each wrong implementation is a small self-contained function, the reference's code with the one thing
changed.

A module defines

    REFERENCE = "activations"        # the trainlab.reference module whose functions the entries replace
    CATALOGUE = {
        "test_sigmoid": [            # a graded test cell's grade_id (its trusted check in autograde/checks)
            {"name": "sigmoid_backward without the (1 - sigma) factor",      # one line, names the mistake
             "advice": "Multiply dout by out * (1 - out), not by out alone",  # what to change
             "section": "1",                                                  # where the notebook explains it
             "wrong": {"sigmoid_backward": sigmoid_backward_no_one_minus},    # replaces the reference's
             "hint": True},          # optional: may ship as a Validate hint (python -m autograde.diagnose --hints)
            ...
        ],
    }

autograde/diagnose.py runs a failed check again with each entry's functions swapped into the
reference's namespace; an entry is named in the feedback when the check fails with exactly the
student's message. tests/test_diagnose.py checks that every entry fails its check.
"""
