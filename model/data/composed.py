"""Words of digits and capitals composed from characters cut out of real words.

IAM-OnDB holds a few hundred digits and hardly any words in capitals, yet phone numbers,
dates, prices and "NEW YORK" are what letters and envelopes are made of. Where a word's
ink parts at clean gaps into exactly its characters (digits and marks are mostly written
apart), each part is one writer's character. Set side by side at gaps of the same
writers, they make words the data never held, in real pen strokes.
"""
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .iamondb import Line
from .segments import clean_gaps, join_words
from ..config import DataConfig
from .strokes import LINE_HEIGHT, lean, simplify, to_offsets

# Gaps between a word's characters narrower than this are taken for touching ink.
CUT_GAP = 0.02 * LINE_HEIGHT
# A capital parted from the rest of its word counts only where its width is about what
# one letter's share of the word would be (a cut after two letters is not a capital).
CAPITAL_SHARE = (0.7, 1.5)
MARKS = set(".,:;-/()")
SMALL = set(".,-")   # marks lower than a digit's half
WIDE = set("MW")


def _plausible(char: str, strokes: list[np.ndarray]) -> bool:
    """Whether ink of this extent can be the character: a digit or a capital stands at least
    half a line high and no wider than tall (M and W wider); a full stop, a comma and a
    hyphen stay low. Cuts that took two characters for one, or half of one, mostly fail."""
    points = np.concatenate(strokes)
    width, height = np.ptp(points[:, 0]), np.ptp(points[:, 1])
    if char in SMALL:
        return height < 0.45 * LINE_HEIGHT
    if char in ":;":
        return height < 0.8 * LINE_HEIGHT and width < 0.3 * LINE_HEIGHT
    if char in MARKS:
        return True
    return height >= 0.5 * LINE_HEIGHT and width <= height * (1.6 if char in WIDE else 1.1)


@dataclass
class Tail:
    """The rest of a word whose capital stood apart: a writer's lowercase to follow a capital."""
    form: str
    text: str
    strokes: list[np.ndarray]


@dataclass
class Glyph:
    char: str
    form: str
    strokes: list[np.ndarray]   # the word's frame: height as written on the line, left edge at 0
    gap: float                  # the empty x after it in the word it came from (-1: none known)


def _parts(offsets: np.ndarray) -> tuple[list[list[np.ndarray]], list[float]]:
    strokes, gaps = clean_gaps(offsets)
    cuts = [k + 1 for k, g in enumerate(gaps) if g > CUT_GAP]
    bounds = [0, *cuts, len(strokes)]
    parts = [strokes[a:b] for a, b in zip(bounds, bounds[1:])]
    return parts, [float(gaps[k - 1]) for k in cuts]


def _at_left(strokes: list[np.ndarray]) -> list[np.ndarray]:
    left = min(s[:, 0].min() for s in strokes)
    return [s - np.array([left, 0], np.float32) for s in strokes]


def _width(strokes: list[np.ndarray]) -> float:
    return float(max(s[:, 0].max() for s in strokes) - min(s[:, 0].min() for s in strokes))


def cut_glyphs(words: list[Line], tails: list[Tail] | None = None) -> dict[str, list[Glyph]]:
    """Each character that words (cut from lines) show on their own, by character: every
    character of a word holding a digit, a mark or only capitals whose ink parts into exactly
    its characters, the capital that begins a word and the mark that ends one where they
    stand apart. The rest of each word whose capital was cut goes into `tails`."""
    out = defaultdict(list)
    for word in words:
        text = word.text
        if not text or not any(c.isdigit() or c in MARKS or c.isupper() for c in text):
            continue
        parts, gaps = _parts(word.offsets)
        if len(parts) == len(text) and all(c.isdigit() or c in MARKS or c.isupper() for c in text):
            for k, (c, part) in enumerate(zip(text, parts)):
                if _plausible(c, part):
                    out[c].append(Glyph(c, word.form, _at_left(part), gaps[k] if k < len(gaps) else -1.0))
        elif len(text) > 1 and text[0].isupper() and len(parts) > 1:
            share = _width(parts[0]) / max(_width([s for p in parts for s in p]), 1e-6) * len(text)
            if CAPITAL_SHARE[0] <= share <= CAPITAL_SHARE[1] and _plausible(text[0], parts[0]):
                out[text[0]].append(Glyph(text[0], word.form, _at_left(parts[0]), gaps[0]))
                if tails is not None and text[1:].isalpha() and text[1:].islower():
                    tails.append(Tail(word.form, text[1:], _at_left([s for p in parts[1:] for s in p])))
        if len(text) > 1 and len(parts) > 1 and text[-1] in ".,:;" and _plausible(text[-1], parts[-1]):
            out[text[-1]].append(Glyph(text[-1], word.form, _at_left(parts[-1]), -1.0))
    return dict(out)


def _through(points: np.ndarray, smooth: bool) -> np.ndarray:
    """A stroke through control points: straight between them, or a Catmull-Rom curve."""
    if not smooth or len(points) < 3:
        return points
    p = np.concatenate([points[:1], points, points[-1:]])
    t = np.linspace(0, 1, 6, endpoint=False)[:, None]
    out = [0.5 * (2 * p[k] + (p[k + 1] - p[k - 1]) * t + (2 * p[k - 1] - 5 * p[k] + 4 * p[k + 1] - p[k + 2]) * t ** 2
                  + (3 * p[k] - p[k - 1] - 3 * p[k + 1] + p[k + 2]) * t ** 3) for k in range(1, len(p) - 2)]
    return np.concatenate([*out, points[-1:]])


def _drawn(shape: list[tuple[bool, list[tuple[float, float]]]], base: float, height: float, lean: float,
           width: float, rng) -> list[np.ndarray]:
    """Strokes through a shape's control points (x, y in a unit box, y down; straight or
    curved), `height` tall and `width` of that wide, standing on y = `base`, leaning `lean`
    (dx per dy) and a little unsteady, as a hand draws them."""
    strokes = []
    for smooth, stroke in shape:
        p = _through(np.array(stroke, np.float32) + rng.normal(0, 0.03, (len(stroke), 2)).astype(np.float32), smooth)
        y = base - (1 - p[:, 1]) * height
        strokes.append(np.column_stack([p[:, 0] * height * width + lean * (y - base), y]).astype(np.float32))
    # As the data's strokes are simplified: as many points a character as the model writes
    # (a curve sampled densely taught it digits of 50-100 points, which its length guard cut).
    data = DataConfig()
    strokes = simplify(strokes, data.epsilon, data.max_step)
    return _at_left(strokes)


LINE, CURVE = False, True
# Capitals and marks the data holds a handful of (Q, X and Z: under ten of each), drawn
# from straight lines in a writer's height and slant; Q is their own O with a tail.
DRAWN = {"X": [(LINE, [(0, 0), (1, 1)]), (LINE, [(1, 0), (0, 1)])], "Z": [(LINE, [(0, 0), (1, 0), (0, 1), (1, 1)])],
         "/": [(LINE, [(0.8, -0.1), (0.1, 1.05)])]}
# Digits as a hand writes them, for a share of the writers: the data holds under a hundred
# of each, most fours open (read as an l) and few eights, too few to learn them from. The
# four is closed: the open one is the data's, and both judges read it as an l.
DIGITS = {
    "0": [[(CURVE, [(0.6, 0), (0.15, 0.15), (0.05, 0.6), (0.4, 1), (0.9, 0.7), (0.9, 0.2), (0.6, 0)])]],
    "1": [[(LINE, [(0.2, 0.25), (0.6, 0), (0.6, 1)])], [(LINE, [(0.55, 0), (0.5, 1)])]],
    "2": [[(CURVE, [(0.1, 0.25), (0.45, 0), (0.85, 0.2), (0.7, 0.5), (0.05, 1)]), (LINE, [(0.05, 1), (0.95, 1)])]],
    "3": [[(CURVE, [(0.1, 0.12), (0.5, 0), (0.85, 0.2), (0.4, 0.47)]), (CURVE, [(0.4, 0.47), (0.9, 0.7), (0.5, 1), (0.05, 0.85)])]],
    "4": [[(LINE, [(0.65, 0), (0, 0.68), (1, 0.68)]), (LINE, [(0.7, 0.25), (0.7, 1)])]],
    "5": [[(LINE, [(0.2, 0), (0.15, 0.45)]), (CURVE, [(0.15, 0.45), (0.6, 0.38), (0.9, 0.68), (0.55, 1), (0.05, 0.88)]),
           (LINE, [(0.2, 0), (0.9, 0)])]],
    "6": [[(CURVE, [(0.8, 0), (0.35, 0.2), (0.1, 0.65), (0.35, 1), (0.8, 0.9), (0.8, 0.6), (0.45, 0.5), (0.12, 0.7)])]],
    "7": [[(LINE, [(0, 0), (1, 0), (0.35, 1)])], [(LINE, [(0, 0.05), (1, 0), (0.4, 1)]), (LINE, [(0.3, 0.5), (0.85, 0.5)])]],
    "8": [[(CURVE, [(0.8, 0.12), (0.45, 0), (0.15, 0.2), (0.5, 0.5), (0.9, 0.78), (0.5, 1), (0.1, 0.78), (0.5, 0.5), (0.85, 0.2)])]],
    "9": [[(CURVE, [(0.85, 0.2), (0.5, 0), (0.12, 0.2), (0.3, 0.48), (0.85, 0.25)]), (LINE, [(0.85, 0.15), (0.8, 1)])]],
}
# The share of writers with capitals apart who get drawn digits too. At half, with capitals
# printed as well, the same few shapes pulled every hand towards print (docs/experiments.md).
DRAWN_WRITERS = 0.25
# Digits drawn for every writer with capitals apart all the same, each at least this wide
# (of its height): the data's fours are open and few, and a model that learnt them writes a
# four both judges read as an L; a narrower one, leaning, has its cross-bar barely past its
# upright, an l again.
ALWAYS_DRAWN = {"4": 0.6}
ODD_WIDTH = set("1IJ") | WIDE | MARKS   # no guide to how wide the rest stand


def _digit_width(own: list[Glyph]) -> float | None:
    """How wide a writer's digits stand, as a share of their height: from their own digits
    where any were cut apart, else from their capitals (digits stand narrower than capitals)."""
    def ratio(gs):
        ink = [np.concatenate(g.strokes) for g in gs if g.char not in ODD_WIDTH]
        return float(np.median([np.ptp(p[:, 0]) / max(np.ptp(p[:, 1]), 1e-6) for p in ink])) if ink else None
    digits = ratio([g for g in own if g.char.isdigit()])
    capitals = ratio([g for g in own if g.char.isupper()])
    width = digits if digits is not None else None if capitals is None else 0.8 * capitals
    return None if width is None else float(np.clip(width, 0.45, 0.85))


def drawn_glyphs(glyphs: dict[str, list[Glyph]], rng: np.random.Generator) -> dict[str, list[Glyph]]:
    """X, Z, / and the four drawn for every writer with capitals apart, at the height and
    slant of theirs, every digit for a share of them, as wide as their own letters, and Q
    from each of their O's: `glyphs` with these added."""
    out = {c: list(g) for c, g in glyphs.items()}
    by_form, own = defaultdict(list), defaultdict(list)
    for c, gs in glyphs.items():
        for g in gs:
            own[g.form].append(g)
            if c.isupper():
                by_form[g.form].append(g)
    for form, capitals in sorted(by_form.items()):
        points = [np.concatenate(g.strokes) for g in capitals]
        height = float(np.median([np.ptp(p[:, 1]) for p in points]))
        base = float(np.median([p[:, 1].max() for p in points]))
        slope = float(np.median([lean(g.strokes) for g in capitals]))
        gap = float(np.median([g.gap for g in capitals if g.gap >= 0] or [1.0]))
        for c, shape in DRAWN.items():
            out.setdefault(c, []).append(Glyph(c, form, _drawn(shape, base, height, slope, 0.75, rng), gap))
        drawn = DIGITS.keys() if rng.random() < DRAWN_WRITERS else ALWAYS_DRAWN
        width = _digit_width(own[form]) or rng.uniform(0.5, 0.7)
        for c in drawn:
            shape = DIGITS[c][rng.integers(len(DIGITS[c]))]
            wide = max(width, ALWAYS_DRAWN.get(c, 0.0))
            out.setdefault(c, []).append(Glyph(c, form, _drawn(shape, base, 0.9 * height, slope, wide, rng), gap))
        for o in [g for g in capitals if g.char == "O"]:
            ink = np.concatenate(o.strokes)
            right, bottom = float(ink[:, 0].max()), float(ink[:, 1].max())
            w = float(np.ptp(ink[:, 0]))
            tail = np.array([[right - 0.45 * w, bottom - 0.3 * height], [right + 0.1 * w, bottom + 0.08 * height]], np.float32)
            out.setdefault("Q", []).append(Glyph("Q", form, [*o.strokes, tail], o.gap))
    return out


def compose(text: str, glyphs: dict[str, list[Glyph]], rng: np.random.Generator) -> tuple[str, np.ndarray]:
    """`text` (one word, every character among `glyphs`) in real characters: as many as can
    be from the one writer who has most of them, the rest from others; the writer's form
    and the word's offsets."""
    forms = defaultdict(set)
    for c in set(text):
        for g in glyphs[c]:
            forms[g.form].add(c)
    most = max(len(v) for v in forms.values())
    best = sorted(f for f, v in forms.items() if len(v) == most)
    form = best[rng.integers(len(best))]
    chosen = []
    for c in text:
        own = [g for g in glyphs[c] if g.form == form]
        pool = own or glyphs[c]
        chosen.append(pool[rng.integers(len(pool))])
    seen_gaps = [g.gap for g in chosen if g.gap >= 0] or [g.gap for gs in glyphs.values() for g in gs if g.gap >= 0]
    gaps = [float(rng.choice(seen_gaps)) for _ in chosen]   # one after each, as drawn before: the last unused
    return form, join_words([to_offsets(g.strokes) for g in chosen], gaps[:-1])


def _digits(rng, n):
    return "".join(str(d) for d in rng.integers(0, 10, n))


def figure_word(rng: np.random.Generator, capitals: list[str]) -> str:
    """A word of the kinds letters hold: digits, a date, a time, a price, a number with
    thousands, a postcode's half, or a word in capitals (from `capitals`)."""
    kind = rng.integers(8)
    if kind == 0:
        return _digits(rng, rng.integers(1, 9))
    if kind == 1:
        sep = "/.-"[rng.integers(3)]
        year = str(rng.integers(1900, 2040)) if rng.random() < 0.6 else f"{rng.integers(0, 100):02d}"
        return f"{rng.integers(1, 32)}{sep}{rng.integers(1, 13)}{sep}{year}"
    if kind == 2:
        return f"{rng.integers(0, 24):02d}:{rng.integers(0, 60):02d}"
    if kind == 3:
        return f"{rng.integers(0, 1000)}.{rng.integers(0, 100):02d}"
    if kind == 4:
        return f"{rng.integers(1, 1000)},{rng.integers(0, 1000):03d}"
    if kind == 5:
        letters = [chr(65 + k) for k in rng.integers(0, 26, 2)]
        return f"{letters[0]}{rng.integers(1, 30)}{letters[1] * int(rng.random() < 0.5)}"
    if kind == 6:
        return f"({_digits(rng, rng.integers(1, 4))})" if rng.random() < 0.5 else _digits(rng, 4) + "."
    return capitals[rng.integers(len(capitals))]


def capitalised(glyphs: dict[str, list[Glyph]], tails: list[Tail], rng: np.random.Generator) -> tuple[str, str, np.ndarray]:
    """A capital, every letter as likely as another (Q and Z as often as T), followed by
    the lowercase rest of a word its writer wrote after a capital: a name's text, its form and
    its offsets."""
    letters = sorted(c for c in glyphs if c.isupper())
    glyph = (pool := glyphs[letters[rng.integers(len(letters))]])[rng.integers(len(pool))]
    own = [t for t in tails if t.form == glyph.form] or tails
    tail = own[rng.integers(len(own))]
    gap = glyph.gap if glyph.gap >= 0 else 1.0
    return glyph.char + tail.text, glyph.form, join_words([to_offsets(glyph.strokes), to_offsets(tail.strokes)], [gap])


# Of the composed words, this share are capitalised names; the rest figure_word's kinds.
NAMES = 0.25


def composed_words(words: list[Line], n: int, seed: int) -> list[Line]:
    """`n` words of digits, dates, times, prices and capitals composed from the characters
    `words` show apart, and capitals drawn in their writers' hands (ids `composed-k`, each in
    the form of the writer most of it is from)."""
    rng = np.random.default_rng(seed)
    tails = []
    glyphs = drawn_glyphs(cut_glyphs(words, tails), rng)
    capitals = sorted({w.text.upper() for w in words if 2 <= len(w.text) <= 8 and w.text.isalpha()})
    out, tries = [], 0
    while len(out) < n:
        tries += 1
        if tails and rng.random() < NAMES:
            text, form, offsets = capitalised(glyphs, tails, rng)
        else:
            text = figure_word(rng, capitals or ["A"])
            if not all(c in glyphs for c in text):
                if tries > 100 * (n + len(out)):
                    raise ValueError(f"the words give too few characters apart to compose {n} words from")
                continue
            form, offsets = compose(text, glyphs, rng)
        out.append(Line(f"composed-{len(out)}", form, text, offsets))
    return out
