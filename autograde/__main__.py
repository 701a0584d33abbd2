"""Instructor command line: python -m autograde COMMAND ...

    build      solutions/ -> notebooks/ (the student release)
    demo       build, autograde the sample class in autograde/samples/, print the grade table
"""
import argparse
import sys
import time

from autograde.course import ROOT


def cmd_build(args):
    from autograde.build import build_release

    t0 = time.perf_counter()
    written = build_release(ROOT)
    for path in written:
        print(f"  wrote {path.relative_to(ROOT)}")
    print(f"Built the student release: {len(written)} notebooks in {time.perf_counter() - t0:.1f} s")


def cmd_demo(args):
    from autograde.demo import run_demo

    cmd_build(args)
    run_demo(ROOT)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograde", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build the student release (notebooks/) from solutions/").set_defaults(func=cmd_build)
    sub.add_parser("demo", help="build, grade the sample class, print grades").set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
