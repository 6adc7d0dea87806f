"""From pen offsets to SVG path data: absolute strokes, smoothing that keeps corners, and
cubic Beziers through every point.

The model writes about seven points a letter, and the letter is in where they are: the top
of a d's stem, the turn of an s, the retrace of a t are single points where the pen turns
sharply. Smoothing moves only the points where it turns gently, and the curve is drawn
sharp through the others: averaged away, those cusps make d read as a and s as r.
"""

import numpy as np

from ..config import PathConfig
from ..data.strokes import to_strokes

# A point where the pen turns by more than this is a corner: left where it is, drawn sharp.
# The round letters' points turn by about 50 degrees (the data's simplification tolerance
# puts points that far apart along a curve), cusps and retraces by 120-180.
CORNER_DEGREES = 80.0


def turns(stroke: np.ndarray) -> np.ndarray:
    """Degrees the pen turns at each point (0 at both ends, and where it does not move)."""
    out = np.zeros(len(stroke))
    if len(stroke) < 3:
        return out
    a, b = stroke[1:-1] - stroke[:-2], stroke[2:] - stroke[1:-1]
    cross, dot = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0], (a * b).sum(1)
    out[1:-1] = np.degrees(np.abs(np.arctan2(cross, dot)))
    return out


def corners(stroke: np.ndarray) -> np.ndarray:
    """Bool per point: an end, or a corner."""
    sharp = turns(stroke) > CORNER_DEGREES
    sharp[[0, -1]] = True
    return sharp


def smooth(stroke: np.ndarray, passes: int) -> np.ndarray:
    """Damp sampling jitter with a [1, 2, 1] filter over the points where the pen turns
    gently; the ends and the corners stay where they are."""
    if len(stroke) < 3 or passes <= 0:
        return stroke
    fixed = corners(stroke)[1:-1, None]
    for _ in range(passes):
        inner = (stroke[:-2] + 2 * stroke[1:-1] + stroke[2:]) / 4
        stroke = np.concatenate([stroke[:1], np.where(fixed, stroke[1:-1], inner), stroke[-1:]])
    return stroke


# A dot (an i's, a full stop) as a short stroke this long, data units: a zero-length path
# is skipped by some pen-plotter drivers.
DOT_LENGTH = 0.3


def strokes_of(offsets: np.ndarray, cfg: PathConfig) -> list[np.ndarray]:
    """Absolute, smoothed strokes in px, the line's left edge at x=0 and its middle at y=0."""
    dots = lambda s: np.concatenate([s, s + [DOT_LENGTH, 0]]) if len(s) == 1 else s
    return [smooth(dots(s), cfg.smoothing) * cfg.scale for s in to_strokes(offsets)]


def _handles(stroke: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each segment's two Bezier control points: Catmull-Rom tangents, none at a corner (the
    curve meets it sharp), and no handle longer than half its segment (no loops where
    neighbouring segments differ in length)."""
    padded = np.concatenate([stroke[:1], stroke, stroke[-1:]])
    tangent = (padded[2:] - padded[:-2]) / 6
    tangent[corners(stroke)] = 0
    start, end = stroke[:-1], stroke[1:]
    half = np.hypot(*(end - start).T)[:, None] / 2

    def clamp(h):
        length = np.hypot(*h.T)[:, None]
        return h * np.minimum(1, half / np.maximum(length, 1e-12))
    return start + clamp(tangent[:-1]), end - clamp(tangent[1:])


def path_data(stroke: np.ndarray, precision: int = 2) -> str:
    """Cubic Beziers through every point of the stroke: smooth where the pen turns gently,
    sharp at its corners."""
    f = f"{{:.{precision}f}}"
    xy = lambda p: f"{f.format(p[0])},{f.format(p[1])}"
    parts = [f"M{xy(stroke[0])}"]
    if len(stroke) > 1:
        c1, c2 = _handles(stroke)
        parts += [f"C{xy(a)} {xy(b)} {xy(p)}" for a, b, p in zip(c1, c2, stroke[1:])]
    return "".join(parts)
