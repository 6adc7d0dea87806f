"""What eval measures of a line of pen strokes, written or real: the picture the judges read
(drawn from the path data a user gets), and its slant, width, size, spacing and joins."""
import numpy as np

from ..config import PathConfig
from ..critics.judges import recogniser, tesseract
from ..data.segments import word_gaps
from ..data.strokes import lean, to_offsets, to_strokes
from ..style.references import render
from ..write.writer import WrittenLine
from .drawing import draw, polyline

OCR_PX_PER_UNIT = 4.0   # the central ink of a line 40 px tall: lines come out about 80 px high
WORD_SPLIT = 2.5        # units of empty x between strokes that parts two words when reading a line
PARAGRAPH_LINES = 4     # a paragraph's lines, as the size spread across them is measured


def written_picture(line: WrittenLine, cfg: PathConfig = PathConfig()):
    """A written line as the user sees it: its path data drawn with the pen it ships with,
    scaled so its ink is as tall as a real line's picture."""
    zoom = OCR_PX_PER_UNIT / cfg.scale
    return draw(line.paths, zoom, cfg.width * zoom)


def written_offsets(line: WrittenLine, cfg: PathConfig = PathConfig()) -> np.ndarray:
    """A written line's path data, flattened and scaled back to data units, as offsets: what
    the style judge reads of what a user gets."""
    strokes = [p / cfg.scale for p in map(polyline, line.paths) if len(p)]
    return to_offsets(strokes) if strokes else line.offsets


def real_picture(offsets: np.ndarray):
    """A real line drawn from its pen points, with the pen written lines are drawn with."""
    cfg = PathConfig()
    return render(offsets, OCR_PX_PER_UNIT, width=cfg.width * OCR_PX_PER_UNIT / cfg.scale, margin=20)


def readings(pictures: list, language: str = "eng") -> dict[str, list[str] | None]:
    """Both judges' readings of each picture (None for a judge that is not installed; the
    recogniser reads English only)."""
    return {"tesseract": tesseract(pictures, language), "htr": recogniser(pictures) if language == "eng" else None}


def slant(offsets: np.ndarray) -> float:
    """Degrees from vertical of the near-vertical pen-down segments (positive: leaning right)."""
    return float(-np.degrees(np.arctan(lean(to_strokes(offsets)))))


def width_per_char(offsets: np.ndarray, text: str) -> float:
    x = np.cumsum(offsets[:, 0])
    return float(x.max() - x.min()) / max(1, len(text))


def words_found(offsets: np.ndarray) -> int:
    """Words as runs of strokes separated by empty x gaps wider than WORD_SPLIT."""
    spans = sorted((s[:, 0].min(), s[:, 0].max()) for s in to_strokes(offsets))
    words, right = 1, spans[0][1]
    for left, end in spans[1:]:
        if left - right > WORD_SPLIT:
            words += 1
        right = max(right, end)
    return words


def ink_height(offsets: np.ndarray) -> float:
    """Height of the central 90 % of the ink, data units (a real line's is LINE_HEIGHT)."""
    lo, hi = np.percentile(np.cumsum(offsets[:, 1]), [5, 95])
    return float(hi - lo)


def x_height(offsets: np.ndarray) -> float:
    """A measure that follows the size of the small letters: the span of the middle half of
    the ink, taken along the pen's path (evenly spaced points, so slow parts weigh no more)."""
    ys = []
    for s in to_strokes(offsets):
        if len(s) < 2:
            continue
        length = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(s, axis=0).T))])
        ys.append(np.interp(np.arange(0, length[-1], 0.25), length, s[:, 1]))
    if not ys:
        return 0.0
    lo, hi = np.percentile(np.concatenate(ys), [25, 75])
    return float(hi - lo)


def size_ratio(offsets: np.ndarray) -> float:
    """How large the small letters are beside the tall ones: x-height over ink height."""
    return x_height(offsets) / max(ink_height(offsets), 1e-6)


def gap_per_height(offsets: np.ndarray, text: str) -> float | None:
    """Median space between words over the ink's height; None where the words do not part cleanly."""
    gaps = word_gaps(offsets, text)
    return None if gaps is None or not len(gaps) else float(np.median(gaps)) / max(ink_height(offsets), 1e-6)


def joined(offsets: np.ndarray, text: str) -> float:
    """How joined a hand is: letters per pen-down stroke (about 1 printed, more where letters run together)."""
    return sum(c.isalnum() for c in text) / max(1, len(to_strokes(offsets)))


def _pearson_known(a, b) -> float:
    """The correlation over the pairs where both are known."""
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    return _pearson(*zip(*pairs)) if len(pairs) > 2 else 0.0


def _pearson(a, b) -> float:
    return float(np.corrcoef(a, b)[0, 1]) if np.std(a) > 0 and np.std(b) > 0 else 0.0


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None
