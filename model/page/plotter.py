"""Strokes made ready for a pen plotter: polylines within a tolerance, drawn in an order
that keeps the pen's travel in the air short. Pure Python: the extension runs it, and
`inkscribe write` starts without numpy.
"""
import math

from .svg import PAIR

Point = tuple[float, float]


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Ramer-Douglas-Peucker: the fewest points whose polyline stays within `tolerance` of
    the stroke (0 keeps every point)."""
    if tolerance <= 0 or len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    spans = [(0, len(points) - 1)]
    while spans:
        a, b = spans.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        length = math.hypot(bx - ax, by - ay)
        far, k = 0.0, a
        for i in range(a + 1, b):
            x, y = points[i]
            d = (abs((bx - ax) * (ay - y) - (ax - x) * (by - ay)) / length if length
                 else math.hypot(x - ax, y - ay))
            if d > far:
                far, k = d, i
        if far > tolerance:
            keep[k] = True
            spans += [(a, k), (k, b)]
    return [p for p, kept in zip(points, keep) if kept]


def travel(strokes: list[list[Point]]) -> float:
    """How far the pen moves lifted, from each stroke's end to the next one's start."""
    return sum(math.dist(a[-1], b[0]) for a, b in zip(strokes, strokes[1:]))


def ordered(strokes: list[list[Point]]) -> list[list[Point]]:
    """The strokes in the order, and each in the direction, that a greedy pen takes: from
    where the first starts, always on to the nearest end of a stroke not yet drawn. Kept
    as written where that is shorter already (handwriting mostly is)."""
    if len(strokes) < 3:
        return list(strokes)
    left = list(range(1, len(strokes)))
    out = [strokes[0]]
    while left:
        here = out[-1][-1]
        best = min(left, key=lambda i: min(math.dist(here, strokes[i][0]), math.dist(here, strokes[i][-1])))
        left.remove(best)
        s = strokes[best]
        out.append(s if math.dist(here, s[0]) <= math.dist(here, s[-1]) else s[::-1])
    return out if travel(out) < travel(strokes) else list(strokes)


def points_of(d: str) -> list[Point]:
    """The points a stroke's path data (as `paths.path_data` writes it: a move, then cubic
    Beziers through every point) passes through: the move, and each curve's end."""
    pairs = [(float(x), float(y)) for x, y in PAIR.findall(d)]
    return pairs[:1] + pairs[3::3]


def plotted(strokes: list[list[Point]], tolerance: float) -> tuple[list[list[Point]], float, float]:
    """The strokes as a plotter draws them (`simplify`, then `ordered`), with the pen-up
    travel as written and as drawn."""
    simple = [simplify(s, tolerance) for s in strokes]
    drawn = ordered(simple)
    return drawn, travel(simple), travel(drawn)


def polyline_data(points: list[Point], precision: int = 3) -> str:
    """SVG path data for a polyline: absolute moves and lines only, as plotter drivers take."""
    f = f"{{:.{precision}f}},{{:.{precision}f}}"
    return "M" + " L".join(f.format(x, y) for x, y in points)
