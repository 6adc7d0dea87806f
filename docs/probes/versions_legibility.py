"""Legibility of ways of choosing among a word's versions, as eval measures it (both judges,
the validation writers' lines beside the real ones, in their hands and in the model's own,
and the lines of digits and of capitals), without eval's likelihood and likeness parts:
the speed issue's "fewer versions for the same legibility". Each way is a number of
versions, of the shipped weights or of a checkpoint's (CHECKPOINT:VERSIONS). Also times
the benchmark's line and paragraph, the ways taking turns. Run from the repository root:

    OMP_NUM_THREADS=1 python docs/probes/versions_legibility.py 8 4 runs/distil4/checkpoint.pt:4

Versions halved part way through each word (way "8c") were measured with this probe at
commit 608488e, where the writer had them (docs/performance.md, 2026-12-07).
"""
import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from inkscribe.model.config import DataConfig, EvalConfig, ReaderConfig
from inkscribe.model.critics.reader import load_reader
from inkscribe.model.data import iamondb
from inkscribe.model.evaluation.benchmark_texts import LINE, PARAGRAPH
from inkscribe.model.evaluation.evaluate import _figures, legibility_at_seeds, legibility_lines
from inkscribe.model.net.checkpoint import load_model
from inkscribe.model.net.sampling import SampleConfig
from inkscribe.model.samples.batches import Collator
from inkscribe.model.write.writer import Task, Writer


def way(name: str) -> tuple[str | None, int]:
    """'8' -> (the shipped weights, 8 versions); 'runs/x.pt:4' -> ('runs/x.pt', 4)."""
    checkpoint, _, versions = name.rpartition(":")
    return checkpoint or None, int(versions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ways", nargs="+", help="versions, each with the checkpoint that writes them: 8 x.pt:4")
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--runs", type=int, default=5, help="timed writes of the line and paragraph")
    parser.add_argument("--timing-only", action="store_true", help="time the ways, without reading them")
    args = parser.parse_args()
    torch.set_num_threads(1)
    reader = load_reader(Path(ReaderConfig.path))
    models = {checkpoint: load_model(checkpoint, "cpu") for checkpoint, _ in map(way, args.ways)}
    writers = {name: Writer(models[way(name)[0]], reader=reader) for name in args.ways}

    times = {name: {"line": [], "paragraph": []} for name in args.ways}
    for run in range(args.runs):
        for text, key in (([LINE], "line"), (PARAGRAPH, "paragraph")):
            for name, writer in writers.items():
                started = time.perf_counter()
                writer.write([Task(text, sample=SampleConfig(versions=way(name)[1], seed=run))])
                times[name][key].append(time.perf_counter() - started)
    for name in args.ways:
        print(f"{name}: line {statistics.median(times[name]['line']):.3f} s, "
              f"paragraph {statistics.median(times[name]['paragraph']):.3f} s", flush=True)

    if args.timing_only:
        return
    lines = Collator(iamondb.load(DataConfig())["valid"], references=4).lines
    _, _, picks, mates = legibility_lines(lines, args.lines)
    for k, (name, writer) in enumerate(writers.items()):
        cfg = EvalConfig(lines=args.lines, seeds=tuple(args.seeds), versions=way(name)[1])
        per_seed, _, _ = legibility_at_seeds(writer, lines, picks, mates, cfg)
        figures = _figures(writer, cfg, [lines[i].text for i in picks], Path(f"/tmp/figures-{k}.png"))
        mean = lambda key: np.mean([f[key] for f in per_seed])
        print(f"{name}: own hand {mean('cer_own'):.3f} / {mean('htr_own'):.3f}, "
              f"styled {mean('cer_model'):.3f} / {mean('htr_model'):.3f}, "
              f"digits {figures['digits_tesseract']:.3f} / {figures['digits_htr']:.3f}, "
              f"capitals {figures['capitals_tesseract']:.3f} / {figures['capitals_htr']:.3f} "
              f"(tesseract / recogniser; the real lines {mean('cer_real'):.3f} / {mean('htr_real'):.3f}); "
              f"complete {mean('complete') + mean('complete_own'):.1f} of {2 * len(picks)}", flush=True)

if __name__ == "__main__":
    main()
