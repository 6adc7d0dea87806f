"""Lines broken by the measured width of the written words, not by a guess from the
character count. Pure Python, on the daemon's replies: the Inkscape extension and the
command line both use it.
"""
from statistics import median

from .svg import shift_path


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


def reflow(written: list[dict], width: float) -> list[dict]:
    """One paragraph's written lines (the daemon's replies, words in order) broken again so
    that each line fits `width` px: every line as {"text", "paths", "strokes", "width"}, its
    left edge at x = 0. A word wider than `width` gets a line of its own."""
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
            current = {"text": [], "paths": [], "strokes": [], "width": 0.0}
            lines.append(current)
            dx = -left
        current["text"].append(text)
        current["paths"] += [shift_path(d, dx) for d in paths]
        current["strokes"] += [[[x + dx, y] for x, y in s] for s in strokes]
        current["width"] = right + dx
    return [{**line, "text": " ".join(line["text"])} for line in lines] or [
        {"text": "", "paths": [], "strokes": [], "width": 0.0}]
