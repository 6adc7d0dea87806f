"""Whole `inkscribe write` processes against two or more running daemons, taking turns run by
run (the benchmark's line and 10-line paragraph, and one letter): how a change to the
daemon compares with the daemon before it, each started from its own checkout. Run from the
repository root, with the daemons already listening:

    python docs/probes/daemons_taking_turns.py ipc:///tmp/before.sock ipc:///tmp/after.sock [--runs 9]

A daemon from another checkout: `PYTHONPATH=DIR inkscribe daemon --endpoint ...`, where
DIR/inkscribe is a link to that checkout.
"""
import argparse

from inkscribe.daemon.cli.benchmark import whole_processes
from inkscribe.model.evaluation.benchmark_texts import LINE, PARAGRAPH


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoints", nargs="+")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--versions", type=int, help="versions of each word (default: the daemons')")
    args = parser.parse_args()
    options = () if args.versions is None else ("--versions", str(args.versions))
    calls = [(endpoint, options) for endpoint in args.endpoints]
    for name, lines in (("one letter", ["a"]), ("the 44-character line", [LINE]), ("the 10-line paragraph", PARAGRAPH)):
        times = whole_processes(calls, lines, args.runs)
        print(f"{name}: " + ", ".join(f"{endpoint} {t:.3f} s" for endpoint, t in zip(args.endpoints, times))
              + "".join(f"; {t / times[0]:.2f}x the first" for t in times[1:]), flush=True)


if __name__ == "__main__":
    main()
