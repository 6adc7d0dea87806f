"""Pen trajectories: normalising, simplifying, and converting between forms.

Two forms are used throughout:
- strokes: a list of (k, 2) float arrays of absolute x, y (y grows downwards, as in SVG);
- offsets: one (n, 3) float32 array of (dx, dy, pen_up) where pen_up is 1 on the
  last point of each stroke. This is what the network reads and predicts.
"""
import numpy as np

from ..config import LINE_HEIGHT


def _ink_band(points: np.ndarray) -> tuple[float, float]:
    """Top and bottom of the central 90 % of the ink: robust to descenders and stray dots."""
    lo, hi = np.percentile(points[:, 1], [5, 95])
    return float(lo), float(hi)


def normalise(strokes: list[np.ndarray]) -> list[np.ndarray]:
    """Scale so the line's ink is LINE_HEIGHT tall; put its left edge and middle at 0."""
    points = np.concatenate(strokes)
    lo, hi = _ink_band(points)
    scale = LINE_HEIGHT / max(hi - lo, 1e-6)
    origin = np.array([points[:, 0].min(), (lo + hi) / 2])
    return [((s - origin) * scale).astype(np.float32) for s in strokes]


def _douglas_peucker(points: np.ndarray, epsilon: float) -> np.ndarray:
    """Boolean mask of the points Ramer-Douglas-Peucker keeps."""
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        chord = points[end] - points[start]
        rel = points[start + 1:end] - points[start]
        length = np.hypot(*chord)
        if length < 1e-9:
            dist = np.hypot(rel[:, 0], rel[:, 1])
        else:
            dist = np.abs(chord[0] * rel[:, 1] - chord[1] * rel[:, 0]) / length
        i = int(np.argmax(dist))
        if dist[i] > epsilon:
            keep[start + 1 + i] = True
            stack += [(start, start + 1 + i), (start + 1 + i, end)]
    return keep


def simplify(strokes: list[np.ndarray], epsilon: float, max_step: float) -> list[np.ndarray]:
    """Drop points that lie within `epsilon` of the simplified curve.

    Long straight runs are re-split so that no step exceeds `max_step`: the network
    predicts each step from a bounded mixture, and huge steps inside a stroke are
    both rare and hard for it.
    """
    out = []
    for s in strokes:
        s = s[_douglas_peucker(s, epsilon)]
        pieces = [s[:1]]
        for a, b in zip(s[:-1], s[1:]):
            n = int(np.ceil(np.hypot(*(b - a)) / max_step))
            if n > 1:
                pieces.append(a + (b - a) * (np.arange(1, n)[:, None] / n))
            pieces.append(b[None])
        out.append(np.concatenate(pieces).astype(np.float32))
    return out


def to_offsets(strokes: list[np.ndarray]) -> np.ndarray:
    points = np.concatenate(strokes)
    pen = np.zeros(len(points), dtype=np.float32)
    pen[np.cumsum([len(s) for s in strokes]) - 1] = 1
    deltas = np.diff(points, axis=0, prepend=np.zeros((1, 2), np.float32))
    return np.column_stack([deltas, pen]).astype(np.float32)


def to_strokes(offsets: np.ndarray) -> list[np.ndarray]:
    points = np.cumsum(offsets[:, :2], axis=0)
    ends = np.flatnonzero(offsets[:, 2] > 0.5) + 1
    return [s for s in np.split(points, ends) if len(s)]


def lean(strokes: list[np.ndarray], least: int = 1) -> float:
    """How far the near-vertical pen-down segments lean: dx per dy, the length-weighted
    median (negative leans right, as y grows downwards); 0 with fewer than `least` of them."""
    steps = [np.diff(s, axis=0) for s in strokes if len(s) > 1]
    steps = np.concatenate(steps) if steps else np.zeros((0, 2))
    steep = steps[np.abs(steps[:, 1]) > np.abs(steps[:, 0])]
    if len(steep) < max(least, 1):
        return 0.0
    ratio, weight = steep[:, 0] / steep[:, 1], np.hypot(steep[:, 0], steep[:, 1])
    order = np.argsort(ratio)
    cumulative = np.cumsum(weight[order])
    return float(ratio[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
