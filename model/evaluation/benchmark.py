"""Speed and memory of each preset: training points/s, and the time to write one line (in
the model's own hand and in the hand of a picture), a paragraph of ten and a two-page
letter of sixty, each as one request."""
import resource
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..samples.batches import Collator
from ..net.checkpoint import SHIPPED, load_model, pick_device
from ..config import PRESETS, ReaderConfig
from ..data.iamondb import Line
from ..net.loss import losses
from ..net.network import HandwritingModel
from ..critics.reader import load_reader
from ..net.sampling import SampleConfig
from ..data.strokes import to_offsets
from ..style.references import scanned
from ..write.writer import Task, Writer, WrittenLine
from .benchmark_texts import LINE, PARAGRAPH

POINTS_PER_CHAR = 7                                 # IAM-OnDB after simplification


def _fake_lines(n: int, rng) -> list[Line]:
    """Lines as long as real ones (40 characters, 280 points) with random-walk strokes."""
    out = []
    for i in range(n):
        walk = np.cumsum(rng.normal(0, 1, (len(LINE) * POINTS_PER_CHAR, 2)), 0).astype(np.float32)
        out.append(Line(f"b-{i}", "b", LINE, to_offsets(np.array_split(walk, 20))))
    return out


def train_rate(model: HandwritingModel, steps: int, device) -> float:
    rng = np.random.default_rng(0)
    collate = Collator(_fake_lines(20, rng), references=4)
    batch = {k: v.to(device) if isinstance(v, torch.Tensor) else v
             for k, v in collate(list(range(20)), rng).items()}
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model.train()
    points, seconds = 0, 0.0
    for i in range(steps + 1):
        started = time.perf_counter()
        loss = sum(losses(model, batch).values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i:  # the first step warms up
            seconds += time.perf_counter() - started
            points += int(batch["mask"].sum())
    return points / seconds


def write_time(writer: Writer, lines: list[str], trained: bool, versions: int = 1,
               picture: Image.Image | None = None) -> tuple[float, list[WrittenLine]]:
    """Seconds to write `lines` as one request (in the hand of `picture`, read as part of
    the request, where one is given), and the lines written."""
    # Untrained weights stop at random: hold them to the length of real words.
    cfg = SampleConfig(seed=0, max_points_per_char=14 if trained else POINTS_PER_CHAR, versions=versions)
    started = time.perf_counter()
    hand = writer.hand([picture]) if picture is not None else None
    out = writer.write([Task(lines, hand, cfg)])[0]
    return time.perf_counter() - started, out


def main(presets: list[str], train_steps: int = 3, device: str | None = None, threads: int | None = None,
         compile: bool = False) -> None:
    if threads:
        torch.set_num_threads(threads)
    device = pick_device(device)
    print(f"device: {device}, torch threads: {torch.get_num_threads()}")
    print(f"{'preset':8} {'versions':>8} {'step':>10} {'params':>8} {'train pts/s':>12} {'line s':>7} {'styled s':>9} {'styled/line':>10} {'10 lines s':>11} "
          f"{'60 lines s':>11} {'pts/s':>7}")
    for name in presets:
        trained = name == "default" and SHIPPED.exists()
        torch.manual_seed(0)
        model = (load_model(None, device) if trained else HandwritingModel(PRESETS[name]).to(device))
        params = sum(p.numel() for p in model.parameters()) / 1e6
        rate = train_rate(HandwritingModel(PRESETS[name]).to(device), train_steps, device)
        # The shipped weights as the daemon runs them (several versions of each word, the
        # reader keeping the most legible) and at their fastest (one version).
        # With `compile`, the latter again with the decoding step compiled (`inkscribe daemon --compile`).
        shipped_reader = load_reader(Path(ReaderConfig.path)) if trained else None
        runs = [(1, None, False)] + ([(SampleConfig.versions, shipped_reader, False)] if trained else [])
        runs += [(SampleConfig.versions, shipped_reader, True)] if trained and compile else []
        for versions, reader, compiled in runs:
            writer = Writer(model, reader=reader)
            if compiled:
                writer.compile()
            write_time(writer, PARAGRAPH[:1], trained, versions)  # warm-up: first calls allocate
            one, written = write_time(writer, [LINE], trained, versions)
            # A styled line: the picture's style read and the line written, as a request
            # with a picture costs (the picture: a scan of the line just written, which
            # only trained weights write as handwriting).
            styled = (write_time(writer, [LINE], trained, versions, scanned(written[0].offsets, np.random.default_rng(0)))[0]
                      if trained else float("nan"))
            ten, _ = write_time(writer, PARAGRAPH, trained, versions)
            sixty, letter = write_time(writer, PARAGRAPH * 6, trained, versions)
            points = sum(len(l.offsets) for l in letter)
            print(f"{name + ('*' if trained else ''):8} {versions:>8} {writer.decoding[:10]:>10} {params:7.2f}M {rate:12.0f} {one:7.2f} "
                  f"{styled:9.2f} {styled / one:9.2f}x {ten:11.2f} {sixty:11.2f} {points / sixty:7.0f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MiB" + (
        f"; peak GPU memory: {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB" if device.type == "cuda" else ""))
    print("* shipped weights (stops by itself); other presets are untrained and write "
          f"{POINTS_PER_CHAR} points per character, as real words have")
