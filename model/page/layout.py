"""Lines broken by the measured width of the written words, not by a guess from the
character count, and letters laid out on pages. Pure Python, on the daemon's replies: the
Inkscape extension and the command line both use it.
"""
import math
import random
from statistics import median

from .svg import PAIR, shift_path


def chunks(paragraph: str, most: int) -> list[str]:
    """A paragraph cut at spaces into pieces of at most `most` characters, to be written as
    lines (the daemon takes lines of limited length) and re-broken by `reflow`."""
    out, current = [], ""
    for word in paragraph.split():
        if current and len(current) + 1 + len(word) > most:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return out + [current] if current else [""]


# Characters of a paragraph sent as one line: the daemon takes up to 300, and `reflow`
# breaks the written pieces again by their width.
PIECE = 200


def pieces(paragraphs: list[str]) -> list[tuple[int, str]]:
    """Every paragraph cut into the pieces the daemon writes, each with its paragraph's index."""
    return [(n, piece) for n, paragraph in enumerate(paragraphs) for piece in chunks(paragraph, PIECE)]


def reflow(written: list[dict], width: float, indent: float = 0.0) -> list[dict]:
    """One paragraph's written lines (the daemon's replies, words in order) broken again so
    that each line fits `width` px: every line as {"text", "paths", "strokes", "width"}, its
    left edge at x = 0, the first line's at x = `indent`. A word wider than `width` gets a
    line of its own."""
    words, gaps = [], []   # (text, paths, strokes, left, right, gap before it or None)
    for line in written:
        previous = None
        for w in line.get("words", []):
            first, last = w["strokes"]
            gap = None if previous is None else w["x"][0] - previous
            words.append((w["text"], line["paths"][first:last], line["strokes"][first:last], *w["x"], gap))
            gaps += [] if gap is None else [gap]
            previous = w["x"][1]
    usual = median(gaps) if gaps else 0.0   # between the pieces the paragraph was cut into
    lines, current = [], None
    for text, paths, strokes, left, right, gap in words:
        gap = usual if gap is None else gap
        if current is not None and current["width"] + gap + (right - left) <= width:
            dx = current["width"] + gap - left
        else:
            start = 0.0 if lines else min(indent, width / 2)
            current = {"text": [], "paths": [], "strokes": [], "width": start}
            lines.append(current)
            dx = start - left
        current["text"].append(text)
        current["paths"] += [shift_path(d, dx) for d in paths]
        current["strokes"] += [[[x + dx, y] for x, y in s] for s in strokes]
        current["width"] = right + dx
    return [{**line, "text": " ".join(line["text"])} for line in lines] or [
        {"text": "", "paths": [], "strokes": [], "width": 0.0}]


def indent(paragraph: str, size: float) -> float:
    """How far a paragraph typed with leading spaces (a tab as four) is indented: a space
    as a third of the font size, about a typed space's width."""
    lead = paragraph[:len(paragraph) - len(paragraph.lstrip())].replace("\t", "    ")
    return lead.count(" ") * size / 3


FLUSH_RIGHT_SPACES = 10   # typed this far in (a tab as four), a line is a closing or a signature


def flush_right(paragraph: str) -> bool:
    """Whether a paragraph is typed as a letter's closing ("Yours,", a name): indented by
    FLUSH_RIGHT_SPACES or more, as a typed letter pushes them over to the right."""
    lead = paragraph[:len(paragraph) - len(paragraph.lstrip())].replace("\t", "    ")
    return bool(paragraph.strip()) and lead.count(" ") >= FLUSH_RIGHT_SPACES


PAGES = {"A5": (148.0, 210.0), "A4": (210.0, 297.0), "letter": (215.9, 279.4)}   # mm
PX_PER_MM = 96 / 25.4


MAX_PAGE = 10_000   # mm: the largest plotter bed or roll a page is laid out on


def page_size(name: str) -> tuple[float, float]:
    """(width, height) in mm of A5, A4, letter, or WxH in mm ("120x180")."""
    if name in PAGES:
        return PAGES[name]
    try:
        width, height = (float(v) for v in name.lower().split("x"))
    except ValueError:
        raise ValueError(f"page {name!r}: use A5, A4, letter or WIDTHxHEIGHT in mm (e.g. 120x180)") from None
    if not (0 < width <= MAX_PAGE and 0 < height <= MAX_PAGE):
        raise ValueError(f"page {name!r}: width and height must be above 0 and at most {MAX_PAGE:g} mm")
    return width, height


# At `variation` 1, how a hand strays from a ruled page: the left margin wanders inwards by
# up to WANDER mm, slowly from line to line; each baseline sits off its place by about
# DRIFT mm and tilts by about TILT degrees (standard deviations).
WANDER, DRIFT, TILT = 3.0, 0.5, 0.6


def pages(paragraphs: list[list[dict]], size_mm: tuple[float, float], margin: float, step: float,
          indents: list[float] | None = None, right: list[bool] | None = None,
          variation: float = 0.0, seed: int | None = 0) -> list[list[dict]]:
    """Written paragraphs laid out as a letter: each broken to the width inside the margins,
    its first line indented by indents[k] mm (or, where right[k], every line ending at the
    right margin), one line every `step` mm, further pages when a page is full. All in mm;
    each line as {"text", "paths", "y"} with its paths already in place on the page.
    `variation` (0 to 1) lets the lines stray as a hand's do on an unruled page, never
    past the margins; the same seed strays the same way."""
    width, height = size_mm
    if width - 2 * margin <= 0 or height - 2 * margin < step:
        raise ValueError(f"margins of {margin:g} mm leave no room on a {width:g} x {height:g} mm page")
    rng, wander = random.Random(seed), 0.0
    room = max(width - 2 * margin - WANDER * variation, (width - 2 * margin) / 2)
    out, page, y = [], [], margin + step / 2
    for written, indent, flush in zip(paragraphs, indents or [0.0] * len(paragraphs),
                                      right or [False] * len(paragraphs)):
        for row in reflow(written, room, 0.0 if flush else indent):
            wander = min(max(wander + rng.gauss(0, WANDER / 4 * variation), 0.0), WANDER * variation)
            x = margin + (width - 2 * margin - row["width"] if flush else wander)
            if y > height - margin - step / 4:   # the line's middle must stay clear of the bottom margin
                out.append(page)
                page, y = [], margin + step / 2
            drift = rng.gauss(0, DRIFT * variation) if variation else 0.0
            turn = math.radians(rng.gauss(0, TILT * variation)) if variation else 0.0
            paths = [shift_path(d, x, y + drift, turn) for d in row["paths"]]
            if turn:   # a tilted line's ends swing a little: keep them inside the margins
                xs = [float(m.group(1)) for d in paths for m in PAIR.finditer(d)] or [margin]
                nudge = max(margin - min(xs), min(width - margin - max(xs), 0.0))
                paths = [shift_path(d, nudge) for d in paths] if nudge else paths
            page.append({"text": row["text"], "y": y + drift, "paths": paths})
            y += step
    return out + [page]
