"""Speed and memory of each preset: training points/s and sampling time per 40-character line."""
import resource
import time

import numpy as np
import torch

from .batches import Collator
from .checkpoint import SHIPPED, load_model, pick_device
from .config import PRESETS
from .iamondb import Line
from .loss import losses
from .network import HandwritingModel
from .sampling import SampleConfig, generate
from .strokes import to_offsets

LINE = "The quick brown fox jumps over a lazy do"   # 40 characters
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


def sample_time(model: HandwritingModel, batch: int, trained: bool) -> tuple[float, int]:
    """Seconds for `batch` 40-character lines, and points written per line."""
    # Untrained weights stop at random: hold them to the length of a real line.
    cfg = SampleConfig(seed=0, max_points_per_char=14 if trained else POINTS_PER_CHAR)
    started = time.perf_counter()
    out = generate(model, [LINE] * batch, None, cfg)
    return time.perf_counter() - started, int(np.mean([len(o) for o in out]))


def main(presets: list[str], train_steps: int = 3, device: str | None = None) -> None:
    device = pick_device(device)
    print(f"device: {device}, torch threads: {torch.get_num_threads()}")
    print(f"{'preset':8} {'params':>8} {'train pts/s':>12} {'b=1 s/line':>11} {'b=8 s/line':>11} "
          f"{'pts/line':>9} {'pts/s b=8':>10}")
    for name in presets:
        trained = name == "default" and SHIPPED.exists()
        torch.manual_seed(0)
        model = (load_model(None, device) if trained else HandwritingModel(PRESETS[name]).to(device))
        params = sum(p.numel() for p in model.parameters()) / 1e6
        rate = train_rate(HandwritingModel(PRESETS[name]).to(device), train_steps, device)
        one, points = sample_time(model, 1, trained)
        eight, points8 = sample_time(model, 8, trained)
        print(f"{name + ('*' if trained else ''):8} {params:7.2f}M {rate:12.0f} {one:11.2f} {eight / 8:11.2f} "
              f"{points:9d} {points8 * 8 / eight:10.0f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MiB" + (
        f"; peak GPU memory: {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB" if device.type == "cuda" else ""))
    print("* shipped weights (stops by itself); other presets are untrained and write "
          f"{POINTS_PER_CHAR} points per character, as real lines have")
