"""Legibility of ways of choosing among a word's versions, as eval measures it (both judges,
the validation writers' lines beside the real ones, in their hands and in the model's own,
and the lines of digits and of capitals), without eval's likelihood and likeness parts:
the speed issue's "fewer versions for the same legibility". Each way is a number of
versions, whole (every version written to its end) or culled (halved a third and two
thirds of the way through each word, model/net/sampling.py Culling). Also times the
benchmark's line and paragraph, the ways taking turns. Run from the repository root:

    OMP_NUM_THREADS=1 python docs/probes/versions_legibility.py 8 8c 4 [--lines 100] [--seeds 0 1]
"""
import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from inkscribe.model.config import EvalConfig, ReaderConfig
from inkscribe.model.critics.reader import load_reader
from inkscribe.model.data import iamondb
from inkscribe.model.evaluation.benchmark_texts import LINE, PARAGRAPH
from inkscribe.model.evaluation.evaluate import _figures, _legibility, legibility_lines
from inkscribe.model.net.checkpoint import load_model
from inkscribe.model.net.sampling import SampleConfig
from inkscribe.model.samples.batches import Collator
from inkscribe.model.style.references import scanned
from inkscribe.model.write.writer import Task, Writer


def way(name: str) -> tuple[int, bool]:
    """'8' -> (8, whole); '8c' -> (8, culled)."""
    return int(name.rstrip("c")), name.endswith("c")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ways", nargs="+", help="versions, with a 'c' where they are culled: 8 8c 4")
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--runs", type=int, default=5, help="timed writes of the line and paragraph")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model, reader = load_model(None, "cpu"), load_reader(Path(ReaderConfig.path))
    writers = {name: Writer(model, reader=reader, cull=way(name)[1]) for name in args.ways}

    times = {name: {"line": [], "paragraph": []} for name in args.ways}
    for run in range(args.runs):
        for text, key in (([LINE], "line"), (PARAGRAPH, "paragraph")):
            for name, writer in writers.items():
                started = time.perf_counter()
                writer.write([Task(text, sample=SampleConfig(versions=way(name)[0], seed=run))])
                times[name][key].append(time.perf_counter() - started)
    for name in args.ways:
        print(f"{name}: line {statistics.median(times[name]['line']):.3f} s, "
              f"paragraph {statistics.median(times[name]['paragraph']):.3f} s", flush=True)

    cfg = EvalConfig(lines=args.lines, seeds=tuple(args.seeds))
    lines = Collator(iamondb.load(cfg.data)["valid"], references=4).lines
    _, _, picks, mates = legibility_lines(lines, cfg.lines)
    real = {}
    for name, writer in writers.items():
        versions = way(name)[0]
        found = []
        for seed in cfg.seeds:
            rng = np.random.default_rng(seed)
            hands = [writer.hand([scanned(lines[j].offsets, rng)]) for j in mates]
            sample = SampleConfig(seed=seed, versions=versions)
            styled, _, _ = _legibility(writer, lines, picks, hands, sample, real)
            own, _, _ = _legibility(writer, lines, picks, [None] * len(picks), sample, real)
            found.append({"own": (own["cer_model"], own["htr_model"]), "real": (own["cer_real"], own["htr_real"]),
                          "styled": (styled["cer_model"], styled["htr_model"]),
                          "complete": own["complete"] + styled["complete"]})
        figures = _figures(writer, EvalConfig(lines=cfg.lines, seeds=cfg.seeds, versions=versions),
                           [lines[i].text for i in picks], Path(f"/tmp/figures-{name}.png"))
        mean = lambda key, k: np.mean([f[key][k] for f in found])
        print(f"{name}: own hand {mean('own', 0):.3f} / {mean('own', 1):.3f}, "
              f"styled {mean('styled', 0):.3f} / {mean('styled', 1):.3f}, "
              f"digits {figures['digits_tesseract']:.3f} / {figures['digits_htr']:.3f}, "
              f"capitals {figures['capitals_tesseract']:.3f} / {figures['capitals_htr']:.3f} "
              f"(tesseract / recogniser; the real lines {mean('real', 0):.3f} / {mean('real', 1):.3f}); "
              f"complete {np.mean([f['complete'] for f in found]):.1f} of {2 * len(picks)}", flush=True)


if __name__ == "__main__":
    main()
