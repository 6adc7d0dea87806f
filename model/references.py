"""Style reference images: from handwriting pictures to the 64x64 tiles the style encoder reads.

Training renders other lines of the same writer and degrades them like a scan or a photo;
inference cuts tiles from a user's pictures. Both go through `tiles_from_image`, so the
encoder sees the same kind of tile either way.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageDraw, ImageFilter

from .network import IMAGE_SIZE
from .strokes import LINE_HEIGHT, to_strokes

INK_HEIGHT = 28          # pixels that the central 90 % of a line's ink spans in a tile
MAX_SIDE = 2400          # larger pictures are shrunk first: tiles need no more detail
PEN_IN_TILE = 2.5        # pixels: the middle of training's pen widths (1-4.5) in a tile
WORD_GAP_MIN = 0.4 * LINE_HEIGHT   # narrower empty runs between inked columns are taken for gaps inside words


def ink_map(image: Image.Image) -> np.ndarray:
    """Float array in [0, 1], 1 where there is ink, whatever the paper and ink colours."""
    image = image.convert("L")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    a = np.asarray(image, dtype=np.float32) / 255
    paper = np.median(a)
    ink = paper - a if paper > 0.5 else a - paper
    top = np.percentile(ink, 99.5)
    return np.clip(ink / max(top, 1e-3), 0, 1)


def _bands(ink: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges holding a line of writing each."""
    rows = (ink > 0.5).mean(1) > 0.002
    bands, start, gap = [], None, 0
    for y, on in enumerate(np.append(rows, False)):
        if on:
            start, gap = (y if start is None else start), 0
        elif start is not None:
            gap += 1
            if gap > 3 or y == len(rows):
                if y - gap - start >= 6:
                    bands.append((start, y - gap + 1))
                start, gap = None, 0
    return bands


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
    for top, bottom in _bands(ink):
        margin = bottom - top
        band = ink[max(0, top - margin):bottom + margin]
        ys = np.nonzero(band > 0.5)[0]
        lo, hi = np.percentile(ys, [5, 95])
        scale = INK_HEIGHT / max(hi - lo, 2)
        pen = pen_width(band > 0.5)
        if PEN_IN_TILE / scale - pen >= 2:
            band = _thicken(band, int((PEN_IN_TILE / scale - pen) / 2))
            pen = PEN_IN_TILE / scale
        w = max(1, round(band.shape[1] * scale))
        h = max(1, round(band.shape[0] * scale))
        yield (np.asarray(Image.fromarray(band).resize((w, h), Image.BILINEAR)), round((lo + hi) / 2 * scale),
               pen * scale)


def tiles_from_image(image: Image.Image, count: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Up to `count` tiles [n, 64, 64] (ink = 1) cut from the lines of writing in `image`.

    Each line is scaled so its ink is INK_HEIGHT pixels tall and centred vertically.
    Tiles are evenly spaced along the writing, or random when `rng` is given.
    """
    candidates = []
    for scaled, centre, _ in _lines_of_writing(ink_map(image)):
        h, w = scaled.shape
        canvas = np.zeros((IMAGE_SIZE, w + IMAGE_SIZE), np.float32)
        src_top = centre - IMAGE_SIZE // 2
        y0, y1 = max(src_top, 0), min(src_top + IMAGE_SIZE, h)
        canvas[y0 - src_top:y1 - src_top, :w] = scaled[y0:y1]
        cols = np.nonzero(canvas.max(0) > 0.5)[0]
        if len(cols) == 0:
            continue
        for x in range(cols[0], max(cols[0] + 1, cols[-1] - IMAGE_SIZE + 2), IMAGE_SIZE // 4):
            tile = canvas[:, x:x + IMAGE_SIZE]
            if tile.shape[1] == IMAGE_SIZE and (tile > 0.5).mean() > 0.02:
                candidates.append(tile)
    if not candidates:
        return np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    if rng is not None:
        pick = rng.choice(len(candidates), size=min(count, len(candidates)), replace=False)
    else:
        pick = np.unique(np.linspace(0, len(candidates) - 1, min(count, len(candidates))).round().astype(int))
    return np.stack([candidates[i] for i in pick])


def word_gap(images: list[Image.Image]) -> float | None:
    """The writer's usual space between words, in data units, from the empty columns of
    their lines of writing; None where no line shows one.

    Without the text, a space is told from a gap between letters by its width alone:
    WORD_GAP_MIN picks the median space of a whole form to within 25 % from one of its lines
    for 73 % of validation writers (a fixed space does so for 49 %).
    """
    gaps = []
    for image in images:
        for scaled, _, pen in _lines_of_writing(ink_map(image)):
            empty = np.diff(np.flatnonzero(scaled.max(0) > 0.5)) - 1   # empty columns between inked ones
            # The pen's width narrows every gap; the pen's path is what the model writes.
            gaps += list((empty[empty > 0] + pen) * LINE_HEIGHT / INK_HEIGHT)
    spaces = [g for g in gaps if g > WORD_GAP_MIN]
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
