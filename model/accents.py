"""Marks on letters (é, ü, ç, å ...), and letters and symbols made from a letter and a
stroke or two (ø, ł, ß, €, £, ¥): the model
writes the plain letter, and the mark is drawn over, under or across the ink it made while
reading that letter, as a hand adds accents after the word.
"""
import numpy as np

from .config import DATA_X_HEIGHT
from .strokes import to_offsets, to_strokes

# Each mark's strokes, in x-heights, from the middle of its letter: x to the right, y down
# from the top of the letter's ink (under marks: from its bottom). A one-point stroke is a dot.
_ABOVE = {
    "acute": [[(-0.12, -0.3), (0.22, -0.75)]],
    "grave": [[(-0.22, -0.75), (0.12, -0.3)]],
    "circumflex": [[(-0.3, -0.3), (0.0, -0.7), (0.3, -0.3)]],
    "caron": [[(-0.3, -0.7), (0.0, -0.3), (0.3, -0.7)]],
    "diaeresis": [[(-0.2, -0.45)], [(0.2, -0.45)]],
    "dot": [[(0.0, -0.45)]],
    "tilde": [[(-0.35, -0.4), (-0.18, -0.58), (0.0, -0.48), (0.18, -0.4), (0.35, -0.58)]],
    "ring": [[(0.17 * np.cos(a), -0.55 + 0.17 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 9)]],
    "macron": [[(-0.3, -0.45), (0.3, -0.45)]],
    "breve": [[(-0.28, -0.7), (-0.15, -0.42), (0.15, -0.42), (0.28, -0.7)]],
    "double acute": [[(-0.3, -0.3), (-0.05, -0.75)], [(0.05, -0.3), (0.3, -0.75)]],
}
# Strokes across a letter, from the middle of its ink (the symbols of charset.CROSSED).
_ACROSS = {
    "euro bars": [[(-0.55, -0.12), (0.2, -0.12)], [(-0.55, 0.12), (0.2, 0.12)]],
    "pound bar": [[(-0.45, 0.05), (0.05, 0.05)]],
    "yen bars": [[(-0.35, 0.15), (0.35, 0.15)], [(-0.35, 0.4), (0.35, 0.4)]],
    "slash": [[(-0.4, 0.75), (0.4, -0.75)]],                 # ø: past the o, clear of a joining stroke
    "long slash": [[(-0.6, 0.85), (0.6, -0.85)]],            # Ø
    "stem bar": [[(-0.3, 0.15), (0.3, -0.15)]],              # ł
    "left stem bar": [[(-0.6, 0.15), (-0.05, -0.15)]],       # Ł
    "ascender bar": [[(0.05, -0.45), (0.6, -0.45)]],         # đ
    "left bar": [[(-0.65, 0.0), (-0.1, 0.0)]],               # Đ
}
_BELOW = {
    "cedilla": [[(0.0, 0.05), (0.2, 0.3), (-0.15, 0.45)]],
    "ogonek": [[(0.25, 0.0), (0.05, 0.3), (0.3, 0.45)]],
    # ß as many hands write it: a B whose stem runs on below the line.
    "eszett stem": [[(-0.3, -0.05), (-0.33, 0.35), (-0.36, 0.75)]],
}


def with_marks(offsets: np.ndarray, positions: np.ndarray, marks: list[tuple[int, str]], letters: int,
               x_height: float = DATA_X_HEIGHT) -> np.ndarray:
    """A written word of `letters` letters, its offsets with each (letter index, mark) added
    as strokes after it.

    positions: the reading position at each point (sampling's `positions`); a letter's ink
    is the points drawn while it was read, or the nearest ones if the model hurried past it.
    """
    if not marks or not len(offsets):
        return offsets
    strokes = to_strokes(offsets)
    points = np.concatenate(strokes)
    for letter, name in marks:
        near = np.abs(positions - letter)
        own = points[near <= max(0.5, near.min())]
        # The reading position runs ahead of the pen at a word's end (it stops at the last
        # letter early), so it is averaged with where the letter would be in evenly wide ones.
        left, right = points[:, 0].min(), points[:, 0].max()
        even = left + (letter + 0.5) / letters * (right - left)
        centre = ((own[:, 0].min() + own[:, 0].max()) / 2 + even) / 2
        if name in _BELOW:
            anchor, shape = np.array([centre, own[:, 1].max()]), _BELOW[name]
        elif name in _ACROSS:
            anchor, shape = np.array([centre, (own[:, 1].min() + own[:, 1].max()) / 2]), _ACROSS[name]
        else:
            anchor, shape = np.array([centre, own[:, 1].min()]), _ABOVE[name]
        strokes += [(np.array(s, np.float32) * x_height + anchor).astype(np.float32) for s in shape]
    return to_offsets(strokes)
