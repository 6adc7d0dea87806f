"""Path data drawn as a picture, as a viewer shows the saved SVG: what eval reads.

Only the commands this project writes are understood (absolute M, L and C); anything
else is an error rather than a silently different picture.
"""
import re

import numpy as np
from PIL import Image, ImageDraw

_COMMAND = re.compile(r"([MLC])([-+\d.,eE\s]*)")
_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")
CURVE_STEPS = 8   # straight pieces per cubic Bezier: finer than a pixel at reading sizes


def polyline(d: str) -> np.ndarray:
    """The points a path's pen passes through [n, 2], its curves flattened."""
    points, at = [], None
    rest = _COMMAND.sub("", d).strip()
    if rest:
        raise ValueError(f"path data this project does not write: {rest[:40]!r}")
    for command, args in _COMMAND.findall(d):
        xy = np.array([float(v) for v in _NUMBER.findall(args)]).reshape(-1, 2)
        if command in "ML":
            points += list(xy)
            at = xy[-1]
        else:
            t = np.linspace(0, 1, CURVE_STEPS + 1)[1:, None]
            for c1, c2, end in xy.reshape(-1, 3, 2):
                points += list((1 - t) ** 3 * at + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t ** 2 * c2 + t ** 3 * end)
                at = end
    return np.array(points, dtype=np.float64).reshape(-1, 2)


def draw(paths: list[str], zoom: float, width: float, margin: int = 20) -> Image.Image:
    """Black strokes of `width` px (round caps and joins, as the SVG's pen) on white, the
    paths' coordinates scaled by `zoom`, cropped to the ink with `margin` px around it."""
    lines = [polyline(d) * zoom for d in paths]
    lines = [p for p in lines if len(p)]
    if not lines:
        return Image.new("L", (2 * margin, 2 * margin), 255)
    everything = np.concatenate(lines)
    lo = everything.min(0) - margin
    size = np.ceil(everything.max(0) - lo + margin).astype(int)
    image = Image.new("L", (int(size[0]), int(size[1])), 255)
    pen = ImageDraw.Draw(image)
    r = width / 2
    for p in lines:
        p = p - lo
        if len(p) > 1:
            pen.line([tuple(q) for q in p], fill=0, width=max(1, round(width)), joint="curve")
        for x, y in (p[0], p[-1]):   # round caps: a dot is a disc, as the SVG draws it
            pen.ellipse([x - r, y - r, x + r, y + r], fill=0)
    return image
