"""Words cut from whole lines of pen strokes, and the gaps between them.

A line splits into its words where the ink leaves a clean vertical gap: every stroke
written before the cut lies left of every stroke written after it. Lines whose clean
gaps do not single out one cut per space (a word written in two goes, dots added at the
end of the line, words that touch) give no words: better none than mislabelled ones.
"""
import re

import numpy as np

from .iamondb import Line
from .strokes import LINE_HEIGHT, to_offsets, to_strokes

MIN_GAP = 0.08 * LINE_HEIGHT   # narrower clean gaps are never taken for a space
GAP_MARGIN = 1.2               # the narrowest space taken must be this much wider than the widest rejected gap
WIDTH_RANGE = (0.35, 2.8)      # a word's share of the width / its share of the letters


def _spans(strokes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([s[:, 0].min() for s in strokes]), np.array([s[:, 0].max() for s in strokes])


def clean_gaps(offsets: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The strokes and, for each cut k (between stroke k-1 and k), the empty x between the
    ink before it and the ink after it (negative where they overlap)."""
    strokes = to_strokes(offsets)
    lefts, rights = _spans(strokes)
    before = np.maximum.accumulate(rights)[:-1]
    after = np.minimum.accumulate(lefts[::-1])[::-1][1:]
    return strokes, after - before


def word_cuts(offsets: np.ndarray, text: str) -> list[int] | None:
    """Stroke indices where `text`'s words begin (after the first), or None if the ink does
    not split cleanly into exactly that many words."""
    words = text.split()
    need = len(words) - 1
    strokes, gaps = clean_gaps(offsets)
    if need == 0:
        return []
    if len(gaps) < need:
        return None
    order = np.argsort(gaps)[::-1]
    narrowest = gaps[order[need - 1]]
    widest_rejected = gaps[order[need]] if len(gaps) > need else 0.0
    if narrowest < MIN_GAP or narrowest < GAP_MARGIN * max(widest_rejected, 0.0):
        return None
    cuts = sorted(int(k) + 1 for k in order[:need])
    lefts, rights = _spans(strokes)
    bounds = [0, *cuts, len(strokes)]
    widths = np.array([rights[a:b].max() - lefts[a:b].min() for a, b in zip(bounds, bounds[1:])])
    letters = np.array([len(w) for w in words], dtype=float)
    share = (widths / widths.sum()) / (letters / letters.sum())
    if share.min() < WIDTH_RANGE[0] or share.max() > WIDTH_RANGE[1]:
        return None
    return cuts


def split_words(offsets: np.ndarray, text: str) -> list[tuple[str, np.ndarray]] | None:
    """Each word's text and offsets, in the line's units: the word's left edge at x = 0, its
    size as on the line, and its height on a level line: a line that climbs or falls has the
    slope taken out, so that words written one by one can share one baseline."""
    cuts = word_cuts(offsets, text)
    if cuts is None:
        return None
    strokes = to_strokes(offsets)
    everything = np.concatenate(strokes)
    slope = np.polyfit(everything[:, 0], everything[:, 1], 1)[0] if np.ptp(everything[:, 0]) > 0 else 0.0
    bounds = [0, *cuts, len(strokes)]
    out = []
    for word, a, b in zip(text.split(), bounds, bounds[1:]):
        points = np.concatenate(strokes[a:b])
        pen = np.zeros(len(points), np.float32)
        pen[np.cumsum([len(s) for s in strokes[a:b]]) - 1] = 1
        left, middle = points[:, 0].min(), (points[:, 0].min() + points[:, 0].max()) / 2
        points = points - np.array([left, slope * (middle - everything[:, 0].mean())], np.float32)
        deltas = np.diff(points, axis=0, prepend=np.zeros((1, 2), np.float32))
        out.append((word, np.column_stack([deltas, pen]).astype(np.float32)))
    return out


def word_gaps(offsets: np.ndarray, text: str) -> np.ndarray | None:
    """The empty x between consecutive words, in data units; None where the line does not split."""
    cuts = word_cuts(offsets, text)
    if cuts is None:
        return None
    _, gaps = clean_gaps(offsets)
    return np.array([gaps[k - 1] for k in cuts], dtype=np.float32)


CLOSING, OPENING, QUOTES = set(",.;:!?)]}»"), set("([{¿¡«"), {'"', "'"}
TIGHT = 0.25   # share of the word gap left before a lone closing mark, or after a lone opening one
# Marks written as words of their own even when typed against a word ("¿Qué", "»Text«",
# "20°C"): the model never saw a word begin with them, nor ° inside one, and writes them
# poorly there.
APART = re.compile("([¿¡«»°])")


def words_of(line: str) -> tuple[list[str], list[bool]]:
    """The words the model writes for a line, and for each pair in a row whether they were
    typed together (then written close)."""
    words, together = [], []
    for typed in line.split():
        parts = [p for p in APART.split(typed) if p]
        together += [False] * bool(words) + [True] * (len(parts) - 1)
        words += parts
    return words, together


def spacing(words: list[str], gap: float, together: list[bool] | None = None) -> list[float]:
    """The gap before each word after the first: words typed `together` are written close,
    and so is a comma or a closing quote typed apart from its word ("word ,"), as people
    write it. A lone quote mark opens (attaches to the next word) or closes by turns."""
    together = together or [False] * max(len(words) - 1, 0)
    alone = [not (a or b) for a, b in zip([False, *together], [*together, False])]
    kind, seen = [], {q: 0 for q in QUOTES}
    for word, lone in zip(words, alone):
        if not lone:
            kind.append("word")
        elif word in QUOTES:
            seen[word] += 1
            kind.append("open" if seen[word] % 2 else "close")
        else:
            kind.append("open" if set(word) <= OPENING else "close" if set(word) <= CLOSING else "word")
    return [gap * TIGHT if b == "close" or a == "open" or t else gap for a, b, t in zip(kind, kind[1:], together)]


def join_words(words: list[np.ndarray], gaps: list[float]) -> np.ndarray:
    """Words' offsets (each in `split_words`' frame) set side by side, gaps[j] units of
    empty x after word j: one line's offsets, its left edge at x = 0."""
    strokes, x = [], 0.0
    for offsets, gap in zip(words, [*gaps, 0.0]):
        if not len(offsets):
            continue
        word = to_strokes(offsets)
        left = min(s[:, 0].min() for s in word)
        word = [s + np.array([x - left, 0], np.float32) for s in word]
        strokes += word
        x = max(s[:, 0].max() for s in word) + gap
    return to_offsets(strokes) if strokes else np.zeros((0, 3), np.float32)


def with_words(lines: list[Line], rare_repeat: int = 1) -> list[Line]:
    """The lines followed by every word cut from them (ids `line-id#k`, same form); words
    holding a capital or a digit come `rare_repeat` times."""
    words = []
    for line in lines:
        for k, (word, offsets) in enumerate(split_words(line.offsets, line.text) or []):
            rare = any(c.isupper() or c.isdigit() for c in word)
            words += [Line(f"{line.id}#{k}", line.form, word, offsets)] * (rare_repeat if rare else 1)
    return lines + words


# Without the text, a space is told from a gap between letters by its width alone: clean gaps
# narrower than this are taken for gaps inside words.
SPACE_MIN = 0.4 * LINE_HEIGHT


def from_left(strokes: list[np.ndarray]) -> np.ndarray:
    """Offsets of strokes moved so that their left edge is at x = 0."""
    left = min(s[:, 0].min() for s in strokes)
    return to_offsets([s - np.array([left, 0], np.float32) for s in strokes])


# Data units between words (a line's ink is LINE_HEIGHT = 10 tall): the median space of
# IAM-OnDB's training writers, for the model's own hand and pictures that show no space.
WORD_SPACE = 8.0


def source_line(line_id: str) -> str:
    """The id of the line a word was cut from (a line's own id for a line)."""
    return line_id.split("#")[0]
