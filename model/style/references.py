"""Style reference images: from handwriting pictures to the 64x64 tiles the style encoder reads.

Training renders other lines of the same writer and degrades them like a scan or a photo;
inference cuts tiles from a user's pictures. Both go through `read_writing`, so the
encoder sees the same kind of tile either way.
"""
import io
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from ..config import PICTURE_SIDE
from ..net.network import IMAGE_SIZE
from ..data.segments import SPACE_MIN as WORD_GAP_MIN   # narrower empty runs between inked columns: inside words
from ..data.strokes import LINE_HEIGHT, to_strokes

INK_HEIGHT = 28          # pixels that the central 90 % of a line's ink spans in a tile
MAX_PEN_SHARE = 0.4      # a "pen" wider than this share of the ink's height is not writing
PEN_IN_TILE = 2.5        # pixels: the middle of training's pen widths (1-4.5) in a tile


def _flatten_alpha(image: Image.Image) -> Image.Image:
    """A picture with transparency on a backdrop its writing stands out from."""
    rgba = image.convert("RGBA")
    colour, alpha = np.asarray(rgba.convert("L"), np.float32), np.asarray(rgba)[..., 3]
    if alpha.min() > 250:
        return rgba.convert("RGB")
    backdrop = 0 if colour[alpha > 128].mean() > 128 else 255   # light writing: on black
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (backdrop,) * 3 + (255,)), rgba).convert("RGB")


def _otsu(values: np.ndarray) -> float:
    """The threshold that best splits values in [0, 1] into two groups (Otsu 1979)."""
    counts, edges = np.histogram(values, 64, (0, 1))
    p = counts / max(counts.sum(), 1)
    w = np.cumsum(p)
    mu = np.cumsum(p * edges[:-1])
    between = (mu[-1] * w - mu) ** 2 / np.maximum(w * (1 - w), 1e-9)
    return float(edges[np.argmax(between[:-1]) + 1])


def ink_map(image: Image.Image, denoise: bool = False) -> np.ndarray:
    """Float array in [0, 1], 1 where there is ink, > 0.5 on the writing, whatever the paper
    and ink: phone photos (uneven light, tinted paper), pencil, ruled or squared paper,
    transparency, light writing on dark. `denoise` first takes out speckle (a median filter),
    which also thins the pen and breaks faint strokes (thickened back a pixel after), so it is
    only for pictures that show nothing without it."""
    image = ImageOps.exif_transpose(image)   # phone photos carry their orientation apart
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        image = _flatten_alpha(image)
    image = image.convert("L")
    if denoise:
        image = image.filter(ImageFilter.MedianFilter(3))
    a = np.asarray(image, dtype=np.float32) / 255
    if np.median(a) < 0.5:   # light writing on a dark ground
        a = 1 - a
    # The paper's brightness where each pixel is (the brightest nearby), so that
    # shadows and uneven light are not taken for ink.
    grey = Image.fromarray(a)
    small = np.asarray(grey.resize((max(1, grey.width // 4), max(1, grey.height // 4)), Image.BOX))
    paper = np.asarray(Image.fromarray(_thicken(small, 8)).resize(grey.size, Image.BILINEAR))
    ink = np.clip((paper - a) / np.maximum(paper, 0.1), 0, 1)
    # Far darker than the paper at large, yet no darker than what is around it: the inside
    # of a filled shape (an object in a photo). Its outline is no pen stroke either.
    filled = ((np.median(paper) - a) / max(float(np.median(paper)), 0.1) > 0.5) & (ink < 0.25)
    if filled.any():
        near = _thicken(np.asarray(Image.fromarray(filled.astype(np.float32)).resize(small.shape[::-1], Image.BOX)), 16)
        ink[np.asarray(Image.fromarray(near).resize(grey.size, Image.NEAREST)) > 0] = 0
    # Ruled or squared paper: lines across the whole picture are not writing.
    ink = np.clip(ink - np.median(ink, axis=1, keepdims=True) - np.median(ink, axis=0, keepdims=True), 0, 1)
    threshold = np.clip(_otsu(ink), 0.12, 0.6)   # at least 12 % darker than the paper: not its grain
    ink = np.clip(ink / (2 * threshold), 0, 1)
    return _thicken(ink, 1) if denoise else ink


def line_bands(ink: np.ndarray, count: int | None = None) -> list[tuple[int, int]]:
    """Row ranges holding a line of writing each; `count` of them where the number of lines is
    known (a hand learnt from a picture and the text of its lines)."""
    mask = ink > 0.5
    rows = mask.sum(1) >= 2
    if count is not None:
        return _parted(mask, rows, count)
    bands, start, gap = [], None, 0
    for y, on in enumerate(np.append(rows, False)):
        if on:
            start, gap = (y if start is None else start), 0
        elif start is not None:
            gap += 1
            if gap > 3 or y == len(rows):
                bands += _split_lines(mask, start, y - gap + 1)
                start, gap = None, 0
    # Marks that stand apart (quotes, dots, a dash) are not lines of writing.
    tallest = max((b - a for a, b in bands), default=0)
    return [(a, b) for a, b in bands if b - a >= max(6, 0.3 * tallest)]


def _parted(mask: np.ndarray, rows: np.ndarray, count: int) -> list[tuple[int, int]]:
    """The writing's rows parted into `count` lines at the rows with least ink, no two cuts
    nearer than half a line's pitch. Parting by gaps alone merges lines whose descenders
    reach the next line's ascenders, and splits off a line's stray marks."""
    inked = np.nonzero(rows)[0]
    if len(inked) == 0:
        return []
    start, end = int(inked[0]), int(inked[-1]) + 1
    pitch = (end - start) / count
    profile = _thicken(mask[start:end].astype(np.float32), max(1, int(pitch) // 20)).mean(1)
    cuts = []
    for y in np.argsort(profile, kind="stable"):
        if len(cuts) == count - 1:
            break
        if min(y, end - start - y) >= pitch / 2 and all(abs(y - c) >= pitch / 2 for c in cuts):
            cuts.append(int(y))
    bounds = [start, *sorted(start + c for c in cuts), end]
    return list(zip(bounds, bounds[1:]))


def _split_lines(mask: np.ndarray, start: int, end: int) -> list[tuple[int, int]]:
    """Rows start..end split where lines of writing touch (one's descenders, the next's
    ascenders). Grown by a twentieth of their height, the small letters of a line merge
    into one solid band, while the strokes that reach between lines stay sparse: the
    lines part at the deep valleys of that profile."""
    profile = _thicken(mask[start:end].astype(np.float32), max(1, (end - start) // 20)).mean(1)
    top = profile.max()
    peaks = [y for y in range(1, len(profile) - 1)
             if profile[y - 1] <= profile[y] > profile[y + 1] and profile[y] > 0.25 * top]
    cuts = []
    for a, b in zip(peaks, peaks[1:]):
        valley = a + int(np.argmin(profile[a:b]))
        if profile[valley] < 0.35 * min(profile[a], profile[b]):
            cuts.append(start + valley)
    bounds = [start, *cuts, end]
    return list(zip(bounds, bounds[1:]))


def pen_width(mask: np.ndarray) -> float:
    """The pen's width in pixels, from a boolean ink mask: a stroke w wide and L long has
    about 2L pixels on its edge and (w - 2)L inside."""
    inner = mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1] & mask[1:-1, :-2] & mask[1:-1, 2:]
    edge = mask[1:-1, 1:-1].sum() - inner.sum()
    return 2 + 2 * inner.sum() / max(edge, 1)


def _thicken(ink: np.ndarray, by: int) -> np.ndarray:
    """Ink grown by `by` pixels on every side (a square max filter, one axis at a time)."""
    for axis in (0, 1):
        padded = np.pad(ink, [(by, by) if a == axis else (0, 0) for a in (0, 1)])
        ink = sliding_window_view(padded, 2 * by + 1, axis=axis).max(-1)
    return ink


def _lines_of_writing(ink: np.ndarray):
    """Each line of writing in an ink map, scaled so its ink is INK_HEIGHT pixels tall:
    (scaled band, row of the ink's middle in it, pen width in scaled pixels).

    A fine pen shrunk that far would fade to nothing, so it is first thickened to the
    width training's renderings have in a tile (PEN_IN_TILE).
    """
    for top, bottom in line_bands(ink):
        height = bottom - top
        band = np.zeros((3 * height, ink.shape[1]), np.float32)   # the line alone, blank above and below
        band[height:2 * height] = ink[top:bottom]
        ys = np.nonzero(band > 0.5)[0]
        lo, hi = np.percentile(ys, [5, 95])
        scale = INK_HEIGHT / max(hi - lo, 2)
        pen = pen_width(band > 0.5)
        if pen > MAX_PEN_SHARE * (hi - lo):   # filled shapes and shadows, not pen strokes
            continue
        if PEN_IN_TILE / scale - pen >= 2:
            band = _thicken(band, int((PEN_IN_TILE / scale - pen) / 2))
            pen = PEN_IN_TILE / scale
        w = max(1, round(band.shape[1] * scale))
        h = max(1, round(band.shape[0] * scale))
        yield (np.asarray(Image.fromarray(band).resize((w, h), Image.BILINEAR)), round((lo + hi) / 2 * scale),
               pen * scale)


def _line_tiles(scaled: np.ndarray, centre: int) -> list[np.ndarray]:
    """Every tile along one scaled line of writing, a quarter tile apart."""
    h, w = scaled.shape
    canvas = np.zeros((IMAGE_SIZE, w + IMAGE_SIZE), np.float32)
    src_top = centre - IMAGE_SIZE // 2
    y0, y1 = max(src_top, 0), min(src_top + IMAGE_SIZE, h)
    canvas[y0 - src_top:y1 - src_top, :w] = scaled[y0:y1]
    cols = np.nonzero(canvas.max(0) > 0.5)[0]
    if len(cols) == 0:
        return []
    tiles = []
    for x in range(cols[0], max(cols[0] + 1, cols[-1] - IMAGE_SIZE + 2), IMAGE_SIZE // 4):
        tile = canvas[:, x:x + IMAGE_SIZE]
        if tile.shape[1] == IMAGE_SIZE and (tile > 0.5).mean() > 0.02:
            tiles.append(tile)
    return tiles


def _line_gaps(scaled: np.ndarray, pen: float) -> list[float]:
    """The empty spaces between inked columns of one scaled line, in data units."""
    empty = np.diff(np.flatnonzero(scaled.max(0) > 0.5)) - 1
    # The pen's width narrows every gap; the pen's path is what the model writes.
    return list((empty[empty > 0] + pen) * LINE_HEIGHT / INK_HEIGHT)


@dataclass
class Writing:
    """What a picture shows of a hand: tiles along its lines of writing, and the empty
    spaces between their inked columns (data units)."""
    tiles: list[np.ndarray]
    gaps: list[float]


def _reading(ink: np.ndarray) -> Writing:
    writing = Writing([], [])
    for scaled, centre, pen in _lines_of_writing(ink):
        writing.tiles += _line_tiles(scaled, centre)
        writing.gaps += _line_gaps(scaled, pen)
    return writing


def read_writing(image: Image.Image) -> Writing:
    """The picture's lines of writing, each scaled so its ink is INK_HEIGHT pixels tall and
    centred vertically.

    Faint writing under heavy grain (a dim photo, a noisy scan) drowns in the speckle that
    the ink threshold takes for writing; where no tile shows, the speckle is taken out and
    the tiles cut again. The spaces stay those of the first reading: the filter breaks faint
    strokes, and the breaks pass for spaces (on 21 such validation scans, 8 spacings came
    within 25 % of the clean picture's read through the speckle, 4 after the filter).
    """
    writing = _reading(ink_map(image))
    if not writing.tiles:
        writing.tiles = _reading(ink_map(image, denoise=True)).tiles
    return writing


def pick_tiles(writing: Writing, count: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Up to `count` of the writing's tiles [n, 64, 64] (ink = 1): evenly spaced along it,
    or random when `rng` is given."""
    candidates = writing.tiles
    if not candidates:
        return np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    if rng is not None:
        pick = rng.choice(len(candidates), size=min(count, len(candidates)), replace=False)
    else:
        pick = np.unique(np.linspace(0, len(candidates) - 1, min(count, len(candidates))).round().astype(int))
    return np.stack([candidates[i] for i in pick])


def tiles_from_image(image: Image.Image, count: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Up to `count` tiles [n, 64, 64] (ink = 1) cut from the lines of writing in `image`."""
    return pick_tiles(read_writing(image), count, rng)


def word_gap(writings: list[Writing]) -> float | None:
    """The writer's usual space between words, in data units, from the empty columns of
    their lines of writing; None where no line shows one.

    Without the text, a space is told from a gap between letters by its width alone:
    WORD_GAP_MIN picks the median space of a whole form to within 25 % from one of its lines
    for 73 % of validation writers (a fixed space does so for 49 %).
    """
    spaces = [g for w in writings for g in w.gaps if g > WORD_GAP_MIN]
    return float(np.median(spaces)) if spaces else None


def render(offsets: np.ndarray, px_per_unit: float, width: float = 2.0, margin: int = 8) -> Image.Image:
    """Draw a line of handwriting, black ink on white, as a picture."""
    strokes = [s * px_per_unit for s in to_strokes(offsets)]
    points = np.concatenate(strokes)
    lo = points.min(0) - margin
    size = np.ceil(points.max(0) - lo + margin).astype(int)
    image = Image.new("L", (int(size[0]), int(size[1])), 255)
    draw = ImageDraw.Draw(image)
    for s in strokes:
        xy = [tuple(p) for p in (s - lo)]
        if len(xy) == 1:
            xy = xy * 2
        draw.line(xy, fill=0, width=max(1, round(width)), joint="curve")
    return image


DRAWN_INK = 2 * INK_HEIGHT   # pixels a drawn letter's height is rendered at, before lines are found and scaled


def _centreline(outline: np.ndarray) -> np.ndarray:
    """The pen's path inside a calligraphy tool's outline of a stroke: the outline runs out
    along one side and back along the other, a nib's width apart, so the path lies halfway
    between each point of the first half and the nearest point of the second."""
    if len(outline) > 1 and np.allclose(outline[0], outline[-1]):
        outline = outline[:-1]
    if len(outline) < 4:
        return outline.mean(0, keepdims=True)
    # Every point against every other: at most 800 of them, finer than the picture shows.
    outline = outline[np.unique(np.linspace(0, len(outline) - 1, min(len(outline), 800)).astype(int))]
    along = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(outline, axis=0).T))])
    half = int(np.searchsorted(along, along[-1] / 2))
    out, back = outline[:half + 1], outline[half:]
    nearest = back[np.argmin(((out[:, None] - back[None]) ** 2).sum(-1), axis=1)]
    return (out + nearest) / 2


def drawing(strokes: list[np.ndarray], outlines: list[np.ndarray] = ()) -> Image.Image:
    """Handwriting drawn as vectors ([n, 2] points, any unit, y down), as a picture that
    `tiles_from_image` reads like a scan: pen paths drawn with a pen of training's share of
    the ink's height; outlines (a calligraphy tool's) as the pen's path inside them, since
    the model writes with a round pen.

    Its size comes from the tallest strokes (the 90th percentile of their heights: a
    cursive word, or a letter with an ascender), which span about a line's ink.
    """
    shapes = [np.asarray(s, np.float64) for s in strokes] + [_centreline(np.asarray(o, np.float64))
                                                             for o in outlines]
    heights = [np.ptp(s[:, 1]) for s in shapes if len(s) > 1]
    letter = np.percentile(heights, 90) if heights and max(heights) > 0 else 1.0
    points = np.concatenate(shapes)
    lo = points.min(0)
    margin = DRAWN_INK
    # No larger than a decoded picture is kept: long drawings come out finer.
    px = min(DRAWN_INK / letter, (PICTURE_SIDE - 2 * margin - 1) / max(np.ptp(points, 0).max(), 1e-9))
    size = np.ceil((points.max(0) - lo) * px).astype(int) + 2 * margin + 1
    image = Image.new("L", (int(size[0]), int(size[1])), 255)
    draw = ImageDraw.Draw(image)
    pen = max(1, round(PEN_IN_TILE / INK_HEIGHT * letter * px))
    for s in shapes:
        xy = [tuple(p) for p in (s - lo) * px + margin]
        draw.line(xy * 2 if len(xy) == 1 else xy, fill=0, width=pen, joint="curve")
    return image


def scanned(offsets: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """`render` with the look of a scan or photo: pen width, blur, noise, contrast, size."""
    px = rng.uniform(0.6, 1.6) * INK_HEIGHT / LINE_HEIGHT
    image = render(offsets, px, width=rng.uniform(1, 4.5) * px / 2.8)
    if rng.random() < 0.7:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 1.5)))
    a = np.asarray(image, dtype=np.float32) / 255
    paper, ink = rng.uniform(0.75, 1.0), rng.uniform(0.0, 0.45)
    a = ink + (paper - ink) * a + rng.normal(0, rng.uniform(0, 0.06), a.shape)
    return Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8))


# The pictures people have of someone's handwriting, made from pen strokes: eval measures
# the style each gives against a clean rendering, and tests check that each gives one.
PICTURES = ("clean", "fine-pen scan", "pencil", "phone photo", "ruled paper", "squared paper", "screenshot",
            "jpeg", "page", "transparent", "white on dark", "drawn strokes", "calligraphy outlines")
DRAWN_MM = 0.3   # mm per data unit: a line's ink about 3 mm tall, as written on a tablet


def _page(lines: list[np.ndarray], px_per_unit: float, width: float) -> np.ndarray:
    """Lines rendered one under another, ink 1 on paper 0."""
    pictures = [1 - np.asarray(render(o, px_per_unit, width, margin=int(2 * px_per_unit)), np.float32) / 255
                for o in lines]
    out = np.zeros((sum(p.shape[0] for p in pictures), max(p.shape[1] for p in pictures)), np.float32)
    top = 0
    for p in pictures:
        out[top:top + p.shape[0], :p.shape[1]] = p
        top += p.shape[0]
    return out


def picture(lines: list[np.ndarray], kind: str, rng: np.random.Generator) -> Image.Image:
    """A writer's lines (one, or several for a page) as `kind` of picture (see PICTURES)."""
    lines = lines if kind == "page" else lines[:1]
    if kind in ("drawn strokes", "calligraphy outlines"):   # drawn in Inkscape with a tablet
        strokes = [s * DRAWN_MM for s in to_strokes(lines[0])]
        if kind == "drawn strokes":
            return drawing(strokes)
        nib = 0.15 * np.array([np.cos(0.5), -np.sin(0.5)])   # a 0.3 mm nib held at 30 degrees
        return drawing([], [np.concatenate([s + nib, s[::-1] - nib]) for s in strokes])
    px, pen = {"fine-pen scan": (14.0, 2.0), "screenshot": (2.2, 1.2)}.get(kind, (5.0, 2.5))
    ink = _page(lines, px, pen)
    h, w = ink.shape
    if kind == "pencil":
        ink = ink * rng.uniform(0.35, 0.5) * (1 + rng.normal(0, 0.25, ink.shape))
    if kind in ("phone photo", "ruled paper", "squared paper"):
        blurred = Image.fromarray((np.clip(ink, 0, 1) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.0))
        ink = np.asarray(blurred, np.float32) / 255
    paper = np.ones((h, w, 3), np.float32)
    colour = np.zeros(3, np.float32)
    if kind in ("phone photo", "ruled paper", "squared paper"):
        paper *= np.array([0.95, 0.9, 0.78]) * rng.uniform(0.8, 1.0)
        # Light from one side and a shadow across a corner.
        yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
        light = 1 - 0.35 * xx - 0.25 * np.exp(-((xx - 0.9) ** 2 + (yy - 0.9) ** 2) / 0.05)
        paper *= light[..., None]
        colour = np.array([0.1, 0.15, 0.5]) if rng.random() < 0.5 else np.array([0.05, 0.05, 0.05])
        rule = px * LINE_HEIGHT * 1.4
        if kind == "ruled paper":
            lines_at = (np.arange(h) % int(rule)) == int(rule * 0.8)
            paper[lines_at] *= np.array([0.75, 0.85, 1.0])
        if kind == "squared paper":
            grid = int(rule / 3)
            paper[np.arange(h) % grid == 0] *= np.array([0.8, 0.85, 0.95])
            paper[:, np.arange(w) % grid == 0] *= np.array([0.8, 0.85, 0.95])
    a = paper * (1 - ink[..., None]) + colour * ink[..., None]
    if kind == "phone photo":
        a = a + rng.normal(0, 0.03, a.shape)
    if kind == "white on dark":
        a = 1 - a * np.array([0.9, 0.9, 0.8])
    image = Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8))
    if kind == "phone photo":   # held at a slight angle
        d = 0.04 * np.array([w, h, w, h, w, h, w, h]) * rng.uniform(-1, 1, 8)
        image = image.transform((w, h), Image.QUAD, tuple(np.array([0, 0, 0, h, w, h, w, 0]) + d),
                                Image.BILINEAR, fillcolor=(128, 128, 128))
    if kind == "transparent":
        image = Image.fromarray(np.dstack([np.zeros((h, w, 3), np.uint8), (ink * 255).astype(np.uint8)]), "RGBA")
    if kind in ("jpeg", "phone photo"):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=12 if kind == "jpeg" else 70)
        image = Image.open(io.BytesIO(buffer.getvalue()))
    return image
