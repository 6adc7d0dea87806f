"""From pen offsets to smooth SVG path data: absolute strokes, smoothing, cubic Beziers."""
import numpy as np

from .config import PathConfig
from .strokes import to_strokes

def smooth(stroke: np.ndarray, passes: int) -> np.ndarray:
    """Damp sampling jitter while keeping the stroke's end points where they are."""
    for _ in range(passes):
        if len(stroke) < 3:
            break
        inner = (stroke[:-2] + 2 * stroke[1:-1] + stroke[2:]) / 4
        stroke = np.concatenate([stroke[:1], inner, stroke[-1:]])
    return stroke


# A dot (an i's, a full stop) as a short stroke this long, data units: a zero-length path
# is skipped by some pen-plotter drivers.
DOT_LENGTH = 0.3


def strokes_of(offsets: np.ndarray, cfg: PathConfig) -> list[np.ndarray]:
    """Absolute, smoothed strokes in px, the line's left edge at x=0 and its middle at y=0."""
    dots = lambda s: np.concatenate([s, s + [DOT_LENGTH, 0]]) if len(s) == 1 else s
    return [smooth(dots(s), cfg.smoothing) * cfg.scale for s in to_strokes(offsets)]


def path_data(stroke: np.ndarray, precision: int = 2) -> str:
    """Catmull-Rom through the points, as cubic Beziers: smooth, and exact at every point."""
    f = f"{{:.{precision}f}}"
    xy = lambda p: f"{f.format(p[0])},{f.format(p[1])}"
    padded = np.concatenate([stroke[:1], stroke, stroke[-1:]])
    parts = [f"M{xy(stroke[0])}"]
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1:i + 3]
        parts.append(f"C{xy(p1 + (p2 - p0) / 6)} {xy(p2 - (p3 - p1) / 6)} {xy(p2)}")
    return "".join(parts)
