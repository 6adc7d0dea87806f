"""Plotter preparation: polylines within a tolerance, and less pen-up travel."""
import math

import numpy as np

from inkscribe.model.write.paths import path_data
from inkscribe.model.page.plotter import ordered, points_of, polyline_data, simplify, travel


def test_a_polyline_keeps_within_the_tolerance_with_fewer_points():
    arc = [(math.cos(t / 50), math.sin(t / 50)) for t in range(158)]
    kept = simplify(arc, 0.01)
    assert len(kept) < len(arc) / 4 and kept[0] == arc[0] and kept[-1] == arc[-1]
    for x, y in arc:   # every point of the stroke lies within the tolerance of the polyline
        assert min(_to_segment((x, y), a, b) for a, b in zip(kept, kept[1:])) <= 0.01 + 1e-9
    assert simplify(arc, 0) == arc


def _to_segment(p, a, b):
    (px, py), (ax, ay), (bx, by) = p, a, b
    t = max(0.0, min(1.0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)))
    return math.dist(p, (ax + t * (bx - ax), ay + t * (by - ay)))


def test_strokes_are_reordered_and_turned_for_less_pen_up_travel_but_never_more():
    # Three words, each with a dot written after it at its start (an i's): the pen
    # goes back for every dot as written.
    words = [[(10 * k, 0), (10 * k + 8, 0)] for k in range(3)]
    dots = [[(10 * k + 1, -3), (10 * k + 1.1, -3)] for k in range(3)]
    written = [s for pair in zip(words, dots) for s in pair]
    drawn = ordered(written)
    assert travel(drawn) < 0.8 * travel(written)
    assert sorted(map(sorted, drawn)) == sorted(map(sorted, written))   # the same strokes, maybe reversed
    straight = [[(k, 0), (k + 0.5, 0)] for k in range(5)]
    assert ordered(straight) == straight


def test_polylines_are_moves_and_lines_only():
    assert polyline_data([(0, 0), (1.23456, 2)]) == "M0.000,0.000 L1.235,2.000"


def test_the_points_of_a_written_stroke_are_read_back_from_its_curves():
    stroke = np.array([[0, 0], [1.5, -2], [3, 0.25], [4, 1]])
    assert points_of(path_data(stroke)) == [tuple(p) for p in stroke.tolist()]
