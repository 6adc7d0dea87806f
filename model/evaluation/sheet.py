"""PNG pictures people look at: sample sheets and loss curves."""
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .drawing import polyline  # noqa: E402
from ..data.strokes import to_strokes  # noqa: E402


def draw(ax, ink: np.ndarray | list[str], title: str = "") -> None:
    """ink: a real line's offsets, or a written line's path data as the user gets it."""
    for s in to_strokes(ink) if isinstance(ink, np.ndarray) else [polyline(d) for d in ink]:
        ax.plot(s[:, 0], -s[:, 1], "k-", lw=1.2, solid_capstyle="round")
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=9, loc="left")


def sample_sheet(rows: list[tuple[str, np.ndarray | list[str]]], path: str | Path, title: str = "") -> None:
    """One handwriting line per row, each titled (e.g. with its text and how it was made)."""
    fig, axes = plt.subplots(len(rows), 1, figsize=(12, 1.3 * len(rows)), squeeze=False)
    for ax, (label, offsets) in zip(axes[:, 0], rows):
        draw(ax, offsets, label)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def loss_curve(log_csv: str | Path, path: str | Path) -> None:
    with open(log_csv) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(8, 4.5))
    step = [int(r["step"]) for r in rows]
    for key, style in [("loss", "-"), ("stroke", "-"), ("align", "-"), ("valid_stroke", "o-")]:
        pts = [(s, float(r[key])) for s, r in zip(step, rows) if r.get(key)]
        if pts:
            ax.plot(*zip(*pts), style, label=key, ms=3)
    ax.set_xlabel("step")
    ax.set_ylabel("nats per point (align: attention mass off the guide)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
