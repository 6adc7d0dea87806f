"""The speed issue's lever "both cores for one request": a batch's rows (words x versions)
split between two Python threads, each stepping its share on one core (torch lets go of
Python's lock inside its kernels), against one thread; whole writes at the shipped defaults,
the shipped weights and reader. Run from the repository root; with `--loaded`, a busy loop
keeps one core occupied meanwhile.

    OMP_NUM_THREADS=1 python docs/probes/rows_on_two_threads.py [--loaded]
"""
import argparse
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from inkscribe.model.config import ReaderConfig
from inkscribe.model.critics.reader import load_reader
from inkscribe.model.evaluation.benchmark_texts import LINE, PARAGRAPH
from inkscribe.model.net.checkpoint import load_model
from inkscribe.model.net.sampling import SampleConfig
from inkscribe.model.write.writer import Task, Writer

SPLIT_ROWS = 32   # a chunk smaller than this stays whole


class RowsOnThreads(Writer):
    """The writer with each chunk of rows split between `workers` threads."""

    def __init__(self, *args, workers: int = 2, **kwargs):
        super().__init__(*args, **kwargs)
        self.workers, self.pool = workers, ThreadPoolExecutor(workers)

    def _sample(self, jobs, stop=None):
        original = super()._sample
        # Split by alternation so that each share holds every word length.
        shares = [jobs[k::self.workers] for k in range(self.workers)] if len(jobs) >= SPLIT_ROWS else [jobs]

        def run(share):
            with torch.no_grad():   # per thread
                return original(share, stop)
        made = {}
        for part in self.pool.map(run, shares):
            for key, versions in part.items():
                made.setdefault(key, []).extend(versions)
        return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loaded", action="store_true", help="keep one core busy meanwhile")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.loaded else None
    try:
        model, reader = load_model(None, "cpu"), load_reader(Path(ReaderConfig.path))
        one, two = Writer(model, reader=reader), RowsOnThreads(model, reader=reader)
        for what, lines in (("a line", [LINE]), ("a 10-line paragraph", PARAGRAPH)):
            times = {one: [], two: []}
            for k in range(args.runs):
                for writer in (one, two):   # taking turns, so that a load falls on both alike
                    started = time.perf_counter()
                    writer.write([Task(lines, None, SampleConfig(seed=k))])
                    times[writer].append(time.perf_counter() - started)
            a, b = statistics.median(times[one]), statistics.median(times[two])
            same = [l.paths for l in one.write([Task(lines, None, SampleConfig(seed=0))])[0]] == \
                [l.paths for l in two.write([Task(lines, None, SampleConfig(seed=0))])[0]]
            print(f"{what}: one thread {a:.3f} s, two {b:.3f} s: {a / b:.2f}x; the same strokes: {same}", flush=True)
    finally:
        if busy is not None:
            busy.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
