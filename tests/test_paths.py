"""The path pipeline, from the model's points to the path data a user gets: nothing a reader
reads is lost on the way."""
import numpy as np
import pytest
from lxml import etree

from inkscribe.model.config import PathConfig
from inkscribe.model.evaluation.drawing import draw, polyline
from inkscribe.model.write.paths import DOT_LENGTH, path_data, strokes_of
from inkscribe.model.data.strokes import to_offsets
from inkscribe.model.page.svg import standalone_svg

# Letters as the model writes them, about seven points each (y down, the top at -10): the
# top of a d's stem and of a t are retraces, one point where the pen turns back.
D = [np.array([[3, -3], [1, -4], [-0.5, -2.5], [0, -0.3], [2, 0], [3, -1.5], [3.3, -6], [3.5, -10],
               [3.3, -5], [3.2, -1], [4, 0]], np.float32)]
T = [np.array([[0, -10], [0.2, -5], [0.3, -1], [1, 0], [2, -0.5]], np.float32),
     np.array([[-1, -6], [1, -6.2], [2.5, -6.3]], np.float32)]
L = [np.array([[0, 0], [2, -4], [3, -8.5], [2.6, -10], [1.6, -8.5], [1.8, -4], [2.5, 0], [3.5, -0.5]], np.float32)]


def drawn_top(strokes, smoothing: int) -> float:
    """How high the path data reaches, in the letter's own units."""
    cfg = PathConfig(smoothing=smoothing)
    paths = [path_data(s) for s in strokes_of(to_offsets(strokes), cfg)]
    return float(min(polyline(d)[:, 1].min() for d in paths)) / cfg.scale


@pytest.mark.parametrize("smoothing", [PathConfig().smoothing, 2, 5])
@pytest.mark.parametrize("letter", [D, T, L], ids=["d", "t", "l"])
def test_a_d_a_t_and_an_l_keep_their_height_through_the_whole_path_pipeline(letter, smoothing):
    top = min(s[:, 1].min() for s in letter)
    # Within 3 % of the letter's height of its real top, and no curve overshooting it either.
    assert drawn_top(letter, smoothing) == pytest.approx(top, abs=0.3)


def test_curves_pass_through_every_point_the_model_wrote():
    cfg = PathConfig()
    (stroke,) = strokes_of(to_offsets(D), cfg)
    drawn = polyline(path_data(stroke))
    assert all(np.hypot(*(drawn - p).T).min() < 0.01 for p in stroke)


def test_a_dot_stays_a_dot_drawn_as_a_disc_as_wide_as_the_pen():
    cfg = PathConfig()
    (dot,) = strokes_of(to_offsets([np.array([[5, -7]], np.float32)]), cfg)
    ends = polyline(path_data(dot))
    assert 0 < np.ptp(ends[:, 0]) <= DOT_LENGTH * cfg.scale + 0.02   # path data keeps two decimals
    picture = np.asarray(draw([path_data(dot)], 4, 3, margin=5))
    assert (picture < 128).sum() >= 6     # a few pixels of ink, not a hairline that vanishes


def test_the_drawing_reads_only_what_this_project_writes():
    with pytest.raises(ValueError, match="does not write"):
        polyline("M0,0 Q1,1 2,2")


def test_a_dot_is_a_short_stroke_that_plotters_draw():
    # The dot of an i, written as a pen touching the paper once.
    offsets = np.array([[0, 0, 0], [0, -5, 1], [0, -8, 1]], np.float32)
    cfg = PathConfig(font_size=40)
    stem, dot = strokes_of(offsets, cfg)
    assert len(dot) == 2 and 0 < np.ptp(dot[:, 0]) < np.ptp(stem[:, 1]) / 5
    assert "l0,0" not in path_data(dot) and path_data(dot).count("C") == 1


def test_svg_is_standalone_smooth_and_one_path_per_stroke(lines):
    cfg = PathConfig(font_size=40)
    strokes = [strokes_of(l.offsets, cfg) for l in lines[:2]]
    svg = standalone_svg([([path_data(s) for s in line], max(s[:, 0].max() for s in line)) for line in strokes], cfg)
    root = etree.fromstring(svg.encode())
    paths = root.findall(".//{http://www.w3.org/2000/svg}path")
    assert len(paths) == sum(map(len, strokes))
    assert all(p.get("d").startswith("M") and "C" in p.get("d") for p in paths)
    assert float(root.get("width")) > float(root.get("height")) > 40
