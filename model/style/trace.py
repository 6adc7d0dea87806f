"""Pen strokes traced from a picture of handwriting (a photo or a scan): the ink thinned to
lines one pixel wide, the lines followed from end to end, and the strokes put in the order a
hand writes them (line by line, left to right, each from its left end). What a pen did
where strokes cross or retrace cannot be seen in a picture; the traced strokes are a
likeness of it, good enough to learn a hand's shapes, size and slant from."""
import numpy as np
from PIL import Image

from ..config import PICTURE_SIDE
from .references import ink_map, line_bands

# Neighbours of a pixel, clockwise from the one above: Zhang & Suen's P2..P9.
RING = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]
SHORTEST = 4   # pixels: shorter traces are specks and spurs, not strokes


def thinned(ink: np.ndarray) -> np.ndarray:
    """A boolean ink mask thinned to lines one pixel wide (Zhang & Suen 1984)."""
    image = np.pad(ink.astype(np.uint8), 1)
    while True:
        changed = False
        for first in (True, False):
            p = [np.roll(np.roll(image, -dy, 0), -dx, 1) for dy, dx in RING]
            neighbours = sum(p)
            turns = sum((p[k] == 0) & (p[(k + 1) % 8] == 1) for k in range(8))
            if first:
                cut = (p[0] * p[2] * p[4] == 0) & (p[2] * p[4] * p[6] == 0)
            else:
                cut = (p[0] * p[2] * p[6] == 0) & (p[0] * p[4] * p[6] == 0)
            gone = (image == 1) & (neighbours >= 2) & (neighbours <= 6) & (turns == 1) & cut
            if gone.any():
                image[gone] = 0
                changed = True
        if not changed:
            return image[1:-1, 1:-1].astype(bool)


def _walks(skeleton: np.ndarray) -> list[list[tuple[int, int]]]:
    """The skeleton's pixels as paths: from each end (or junction) along the line to the next,
    then what is left (closed loops, an o), each once."""
    pixels = set(zip(*np.nonzero(skeleton)))
    neighbours = {q: [(q[0] + dy, q[1] + dx) for dy, dx in RING if (q[0] + dy, q[1] + dx) in pixels] for q in pixels}
    ends = [q for q in pixels if len(neighbours[q]) != 2]
    seen_edges, walks = set(), []

    def walk(start, step):
        path, previous, here = [start], start, step
        while True:
            seen_edges.add(frozenset((previous, here)))
            path.append(here)
            onward = [q for q in neighbours[here] if q != previous and frozenset((here, q)) not in seen_edges]
            if len(neighbours[here]) != 2 or not onward:
                return path
            previous, here = here, onward[0]

    for start in sorted(ends):
        for step in neighbours[start]:
            if frozenset((start, step)) not in seen_edges:
                walks.append(walk(start, step))
    for start in sorted(pixels):   # loops with no end
        for step in neighbours[start]:
            if frozenset((start, step)) not in seen_edges:
                walks.append(walk(start, step))
    return [w for w in walks if len(w) >= SHORTEST]


def traced(picture: Image.Image, lines: int | None = None) -> list[list[np.ndarray]]:
    """The lines of writing in a picture, top first, each its pen strokes ([n, 2] points in
    pixels, x right, y down) in the order a hand writes them; none where it holds no writing.
    Lines are where the style reads them (references.line_bands), or, where it is known how
    many there are, that many; a stroke belongs to the one its middle is nearest."""
    picture = picture.copy()
    picture.thumbnail((PICTURE_SIDE, PICTURE_SIDE))
    ink = ink_map(picture)
    bands = line_bands(ink, lines)
    if (ink > 0.5).mean() > 0.3 or not bands:   # a dark page, or one without writing
        return []
    middles = np.array([(a + b) / 2 for a, b in bands])
    lines = [[] for _ in bands]
    for walk in _walks(thinned(ink > 0.5)):
        stroke = np.array([(x, y) for y, x in walk], np.float32)
        lines[int(np.argmin(abs(middles - np.median(stroke[:, 1]))))].append(
            stroke if stroke[0, 0] <= stroke[-1, 0] else stroke[::-1])   # written from the left
    return [sorted(line, key=lambda s: float(s[:, 0].min())) for line in lines if line]
