"""From pen offsets to smooth SVG: absolute strokes, smoothing, cubic Bezier path data."""
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np

from .strokes import LINE_HEIGHT, to_strokes

# A line's ink height (LINE_HEIGHT data units) as a fraction of the font size it replaces:
# about the span from descender to ascender of handwriting in a typical font's em.
INK_PER_EM = 0.7


@dataclass
class PathConfig:
    font_size: float = 32.0      # px; the handwriting is as tall as text of this size
    smoothing: int = 2           # passes of a [1, 2, 1] filter over each stroke's points
    line_spacing: float = 1.5    # baseline to baseline, in font sizes
    stroke_width: float | None = None  # px; default scales with the font size
    colour: str = "#000000"

    @property
    def scale(self) -> float:
        return self.font_size * INK_PER_EM / LINE_HEIGHT

    @property
    def width(self) -> float:
        return self.stroke_width if self.stroke_width is not None else self.font_size / 16


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


def standalone_svg(lines: list[tuple[list[str], float]], cfg: PathConfig) -> str:
    """One SVG document from each line's (path data, width in px), each line below the previous one."""
    step = cfg.font_size * cfg.line_spacing
    groups = []
    for i, (paths, _) in enumerate(lines):
        body = "".join(f'<path d="{escape(d)}"/>' for d in paths)
        groups.append(f'<g transform="translate(0,{step * (i + 0.5):.2f})">{body}</g>')
    margin = cfg.font_size / 2
    width = max((w for _, w in lines), default=0) + 2 * margin
    height = step * len(lines) + 2 * margin
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="{-margin:.1f} {-margin:.1f} {width:.1f} {height:.1f}">\n'
        f'<g fill="none" stroke="{escape(cfg.colour)}" stroke-width="{cfg.width:.2f}" '
        f'stroke-linecap="round" stroke-linejoin="round">\n' + "\n".join(groups) + "\n</g>\n</svg>\n"
    )
