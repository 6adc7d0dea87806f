"""Handwriting drawn in an SVG document (Inkscape's pencil, pen or calligraphy tool, a
tablet), read as the pen paths it is: polylines in document coordinates. The extension reads
the selection with it, and `inkscribe write --style` an SVG file.

inkex serves here as an SVG library (paths, transforms, the style cascade); no Inkscape runs.
"""
import math

import inkex
from inkex import bezier

FLATNESS = 1 / 400   # of the drawing's size: far finer than a style tile shows


def drawn_paths(elements, skip=lambda group: False) -> list:
    """The paths among `elements` and inside any groups or layers among them, in document
    order: not clip paths, markers or the like in defs, nor any inside a group `skip` names
    (the extension's own handwriting: its strokes are the model's hand, not the user's)."""
    found, seen = [], set()
    for element in elements:
        for candidate in element.descendants():
            if isinstance(candidate, inkex.PathElement) and id(candidate) not in seen and not any(
                    isinstance(a, inkex.Defs) or skip(a) for a in [candidate, *candidate.ancestors()]):
                seen.add(id(candidate))
                found.append(candidate)
    return found


def strokes_of(paths: list) -> tuple[list, list]:
    """(pen strokes, filled outlines) of the paths, each a list of [x, y] points in the
    document's user units: curves flattened, transforms applied. A path that is filled and
    not stroked is a calligraphy tool's outline of a stroke."""
    shapes = [(p.path.to_absolute().transform(p.composed_transform()), _filled(p)) for p in paths]
    for (path, _), element in zip(shapes, paths):
        # Curves are flattened by halving until flat enough, which never ends on a NaN.
        if not all(math.isfinite(v) for sub in path.to_superpath() for knot in sub for point in knot for v in point):
            raise ValueError(f"the drawn path {element.get_id()} lies beyond any page: its coordinates or "
                             f"transforms overflow to infinity")
    boxes = [path.bounding_box() for path, _ in shapes if path]
    if not boxes:
        return [], []
    box = boxes[0]
    for b in boxes[1:]:
        box += b
    tolerance = max(box.width, box.height, 1e-6) * FLATNESS
    strokes, outlines = [], []
    for path, filled in shapes:
        superpath = path.to_superpath()
        bezier.cspsubdiv(superpath, tolerance)
        for sub in superpath:
            points = [[round(p[1][0], 4), round(p[1][1], 4)] for p in sub]
            (outlines if filled else strokes).append(points)
    return strokes, outlines


def _filled(path) -> bool:
    style = path.specified_style()
    fill, stroke = style.get("fill", "black"), style.get("stroke", "none")
    return fill not in ("none", None) and stroke in ("none", None)


def lines_of(strokes: list) -> list[list]:
    """Strokes written one line under another, parted into their lines (top first), each
    line's strokes in the order they were drawn. Lines part where the strokes' middles, sorted
    from the top, leap by more than three quarters of a tall stroke's height."""
    if not strokes:
        return []
    spans = [(min(p[1] for p in s), max(p[1] for p in s)) for s in strokes]
    heights = sorted(b - a for a, b in spans)
    tall = heights[min(len(heights) - 1, len(heights) * 3 // 4)] or 1.0
    order = sorted(range(len(strokes)), key=lambda k: sum(spans[k]) / 2)
    lines, last = [], None
    for k in order:
        middle = sum(spans[k]) / 2
        if last is None or middle - last > 0.75 * tall:
            lines.append([])
        lines[-1].append(k)
        last = middle
    return [[strokes[k] for k in sorted(line)] for line in lines]
