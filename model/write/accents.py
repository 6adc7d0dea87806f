"""Marks on letters (é, ü, ç, å ...), and letters and symbols made from a letter and a
stroke or two (ø, ł, ß, €, £, ¥, ÷, ©): the model writes the plain letter, and the mark is
drawn over, under or across the ink it made while reading that letter, as a hand adds
accents after the word. Symbols the data lacks altogether are the writer's own ink of a
letter it has, reshaped (¿ is a ? turned over, ° a small raised o), or a stand-in letter
that holds the symbol's place and gives way to its strokes (« × ÷).
"""
import numpy as np

from ..config import DATA_X_HEIGHT
from ..data.strokes import lean, to_offsets, to_strokes


def _corner(start, tip, end, per_arm: int = 4) -> list[tuple[float, float]]:
    """Two straight arms meeting at `tip`, in enough points that smoothing keeps the corner."""
    arm = np.linspace(0, 1, per_arm)[:, None]
    points = np.concatenate([np.array(start) + arm * (np.subtract(tip, start)),
                             np.array(tip) + arm[1:] * (np.subtract(end, tip))])
    return [tuple(p) for p in points]


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
    "thorn stem": [[(-0.3, 0.05), (-0.27, -0.7)]],            # þ: a p whose stem also rises
    "capital thorn stem": [[(-0.35, 0.05), (-0.32, -0.55)]],  # Þ: ... and the lowered P's
}
MAX_SLANT = 0.7     # dx per dy: 35 degrees, past what hands lean
MARK_TURN, MARK_SIZE = 0.08, 0.08   # how much a hand's marks vary: radians, share of the size
X_MIDDLE = 0.12   # the middle of the small letters in a word's frame, in x-heights below its y = 0
# Strokes across a letter, from the middle of its ink (most of charset.FROM_LETTERS).
_ACROSS = {
    "euro bars": [[(-0.55, -0.12), (0.2, -0.12)], [(-0.55, 0.12), (0.2, 0.12)]],
    "pound bar": [[(-0.45, 0.05), (0.05, 0.05)]],
    "yen bars": [[(-0.35, 0.15), (0.35, 0.15)], [(-0.35, 0.4), (0.35, 0.4)]],
    "slash": [[(-0.4, 0.75), (0.4, -0.75)]],                 # ø: past the o, clear of a joining stroke
    "long slash": [[(-0.6, 0.85), (0.6, -0.85)]],            # Ø
    "stem bar": [[(-0.3, 0.15), (0.3, -0.15)]],              # ł
    "left stem bar": [[(-0.6, 0.15), (-0.05, -0.15)]],       # Ł
    "ascender bar": [[(0.05, -0.45), (0.6, -0.45)]],         # đ
    "eth bar": [[(-0.05, -0.35), (0.55, -0.65)]],            # ð: slanting across the ascender
    "left ascender bar": [[(-0.6, -0.45), (0.0, -0.45)]],    # ħ
    "top bar": [[(-0.55, -0.3), (0.55, -0.3)]],              # Ħ
    "stem cross": [[(-0.3, 0.1), (0.3, 0.1)]],               # Ŧ ŧ
    "cent bar": [[(0.05, -0.75), (-0.05, 0.75)]],            # ¢
    "minus below": [[(-0.35, 0.55), (0.35, 0.55)]],          # ±
    "divide": [[(-0.3, 0.0), (0.3, 0.0)], [(0.0, -0.35)], [(0.0, 0.35)]],                    # ÷
    "times": [[(-0.28, -0.28), (0.28, 0.28)], [(0.28, -0.28), (-0.28, 0.28)]],                 # ×
    "circle": [[(0.75 * np.cos(a), 0.75 * np.sin(a)) for a in np.linspace(-0.5 * np.pi, 1.6 * np.pi, 17)]],   # ©
    "left chevrons": [_corner((0.0, -0.35), (-0.4, 0.0), (0.0, 0.35)),
                      _corner((0.45, -0.35), (0.05, 0.0), (0.45, 0.35))],
    "right chevrons": [_corner((-0.45, -0.35), (-0.05, 0.0), (-0.45, 0.35)),
                       _corner((0.0, -0.35), (0.4, 0.0), (0.0, 0.35))],
    "left bar": [[(-0.65, 0.0), (-0.1, 0.0)]],               # Đ
}
_BELOW = {
    "cedilla": [[(0.0, 0.05), (0.2, 0.3), (-0.15, 0.45)]],
    "ogonek": [[(0.25, 0.0), (0.05, 0.3), (0.3, 0.45)]],
    # ß as many hands write it: a B whose stem runs on below the line.
    "eszett stem": [[(-0.3, -0.05), (-0.33, 0.35), (-0.36, 0.75)]],
    "mu tail": [[(-0.3, -0.3), (-0.33, 0.2), (-0.36, 0.6)]],   # µ: a u whose first stem runs on down
    "underline": [[(-0.3, 0.2), (0.3, 0.2)]],                  # ª º, under their raised letter
}
# The letter's own ink reshaped about its middle: (scale, turned over, shift in x-heights,
# copies beneath, hidden). Done before any mark is placed, so marks follow the new shape.
_RESHAPED = {
    "turned": (1.0, True, (0.0, 0.5), 0, False),     # ¿ ¡: hanging from the x-height
    "degree": (0.45, False, (0.1, -0.8), 0, False),  # °: a small o above the x-height
    "raised": (1.0, False, (0.0, -0.45), 0, False),  # ·: a full stop at mid-height
    "small capital": (0.5, False, (0.0, 0.0), 0, False),          # © inside its circle
    "section": (0.7, False, (0.0, -0.2), 0.55, False),            # §: an S above another
    "hidden": (1.0, False, (0.0, 0.0), 0, True),     # « × ÷: the stand-in gives way to strokes
    "lowered": (0.8, False, (0.0, 0.25), 0, False),  # Þ: a P whose bowl sits mid-stem, below
    "superscript": (0.55, False, (0.0, -0.9), 0, False),   # ¹ ² ³ ª º: small, above the x-height
}
DOT = 0.4   # x-heights: the most a stroke may span and still be an i's dot


def drawn_strokes(name: str) -> int:
    """How many strokes a mark adds after its word (reshaping a letter adds none)."""
    return len({**_ABOVE, **_ACROSS, **_BELOW}.get(name, []))


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
    keep = np.ones(len(points), bool)
    ends = np.cumsum([len(s) for s in strokes])[:-1]
    hand = _hand(strokes)
    added = []
    for letter, name in marks:
        near = np.abs(positions - letter)
        mine = near <= max(0.5, near.min())
        if name in _RESHAPED:
            points, keep, copied = _reshape(points, keep, mine, ends, *_RESHAPED[name], x_height)
            added += copied
            continue
        if name == "undotted":
            keep = keep & ~_dot(points, ends, mine, x_height)
            continue
        own = points[mine]
        # The reading position runs ahead of the pen at a word's end (it stops at the last
        # letter early), so it is averaged with where the letter would be in evenly wide ones.
        left, right = points[:, 0].min(), points[:, 0].max()
        even = left + (letter + 0.5) / letters * (right - left)
        centre = ((own[:, 0].min() + own[:, 0].max()) / 2 + even) / 2
        if name in _BELOW:
            anchor, shape = np.array([centre, own[:, 1].max()]), _BELOW[name]
        elif name in _ACROSS:
            # Strokes that replace a hidden stand-in sit at mid x-height, wherever the model put it.
            middle = X_MIDDLE * x_height if not keep[mine].any() else (own[:, 1].min() + own[:, 1].max()) / 2
            anchor, shape = np.array([centre, middle]), _ACROSS[name]
        else:
            anchor, shape = np.array([centre, own[:, 1].min()]), _ABOVE[name]
        added += [(hand @ np.array(s, np.float32).T).T * x_height + anchor for s in shape]
    kept = [s[k] for s, k in zip(np.split(points, ends), np.split(keep, ends)) if k.any()]
    return to_offsets(kept + [a.astype(np.float32) for a in added])


def _hand(strokes: list[np.ndarray]) -> np.ndarray:
    """The 2x2 map from a mark's drawn shape to this word's: sheared to the writer's slant,
    and turned and sized a little differently each time, as a hand's marks are. Seeded by
    the word's own ink, so the same word gets the same marks."""
    rng = np.random.default_rng(int(sum(float(np.abs(s).sum()) for s in strokes) * 1000) % 2**32)
    turn, size = rng.normal(0, MARK_TURN), 1 + rng.normal(0, MARK_SIZE)
    c, s = np.cos(turn), np.sin(turn)
    slant = np.clip(lean(strokes, least=3), -MAX_SLANT, MAX_SLANT)
    return np.array([[1, slant], [0, 1]]) @ (size * np.array([[c, -s], [s, c]]))


def _dot(points, ends, mine, x_height) -> np.ndarray:
    """The points of the dot over a letter's ink (`mine`): the small stroke nearest above its
    middle, wherever in the word the hand put it (dots often come after the word)."""
    own = points[mine]
    middle = (own[:, 0].min() + own[:, 0].max()) / 2

    def distance(a, b):
        stroke = points[a:b]
        centre = (stroke.min(0) + stroke.max(0)) / 2
        small, above = np.ptp(stroke, axis=0).max() <= DOT * x_height, centre[1] < np.median(own[:, 1])
        return abs(centre[0] - middle) if small and above else np.inf

    a, b = min(zip([0, *ends], [*ends, len(points)]), key=lambda ab: distance(*ab))
    dot = np.zeros(len(points), bool)
    dot[a:b] = distance(a, b) < x_height
    return dot


def _reshape(points, keep, mine, ends, scale, turned, shift, below, hidden, x_height):
    """Points with a letter's own ink (`mine`) scaled and turned about its middle and shifted,
    or hidden; and the strokes of a copy `below` x-heights beneath it (none if 0)."""
    own = points[mine]
    middle = (own.min(0) + own.max(0)) / 2
    points = points.copy()
    points[mine] = (own - middle) * scale * (-1 if turned else 1) + middle + np.array(shift, np.float32) * x_height
    copied = [] if not below else [
        s[m] + np.array([0, below * x_height], np.float32)
        for s, m in zip(np.split(points, ends), np.split(mine, ends)) if m.any()]
    return points.astype(np.float32), keep & ~mine if hidden else keep, copied
