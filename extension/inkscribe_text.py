"""Reading Inkscape text objects: their lines, where each line sits, its size, anchor and colour.

Handles svg:text with line tspans (sodipodi:role="line"), plain multi-line text, SVG 2
flowed text (shape-inside) and SVG 1.2 flowed text (flowRoot), the flowed kinds broken
into lines by the written words' measured width to fill their frame.
"""
import csv
import json
import math
import re
from dataclasses import dataclass, field

import inkex
import inkex.command

from inkscribe.model.page.layout import pieces, reflow

SODIPODI_ROLE = inkex.addNS("role", "sodipodi")
NS = "urn:inkscribe:1"
TEXT, LAYOUT = f"{{{NS}}}text", f"{{{NS}}}layout"
UNITS = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0, "q": 96 / 101.6}


@dataclass
class TextLine:
    text: str
    x: float       # anchor point on the baseline, in the text's own user units
    y: float


@dataclass
class Frame:
    """Where flowed text flows: its lines are broken by the written words' measured width."""
    left: float
    top: float
    width: float
    step: float                    # baseline to baseline
    paragraph_of: list[int]        # for each line sent to be written, the paragraph it is part of


@dataclass
class TextBlock:
    element: inkex.BaseElement
    lines: list[TextLine] = field(default_factory=list)
    font_size: float = 16.0
    anchor: str = "start"          # start, middle or end
    fill: str = "#000000"
    frame: Frame | None = None
    typed_width: float | None = None   # the typed text's width as Inkscape sets it, once measured

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def name(self) -> str:
        return describe(self.element)


def describe(element) -> str:
    """How a person knows a text object: by its first words, not an id they never see."""
    # A text's lines are its tspans: a space between them, or "Dear Ada," and "See you" run together.
    typed = " ".join([element.text or "", *(_text_of(c) for c in element if isinstance(c, inkex.Tspan))]) \
        if any(isinstance(c, inkex.Tspan) for c in element) else _text_of(element)
    words = " ".join((element.get(TEXT) if is_handwriting(element) else typed).split())
    if not words:
        return "an empty text"
    shown = words if len(words) <= 30 else words[:30].rstrip() + "…"
    return f"the text “{shown}”"


def texts_in(elements) -> list:
    """The text objects and handwriting groups (to be written again) among `elements` and
    inside any groups or layers among them, in document order, each once (Select All and
    selected groups work as people expect)."""
    found, seen = [], set()
    for element in elements:
        for candidate in element.descendants():
            writable = isinstance(candidate, (inkex.TextElement, inkex.FlowRoot)) or is_handwriting(candidate)
            if writable and id(candidate) not in seen:
                if not any(isinstance(a, inkex.Defs) or is_handwriting(a) for a in candidate.ancestors()):
                    seen.add(id(candidate))
                    found.append(candidate)
    return found


def is_handwriting(element) -> bool:
    """A group this extension wrote, which carries what it needs to be written again."""
    return isinstance(element, inkex.Group) and element.get(LAYOUT) is not None


def layout(block: TextBlock) -> str:
    """What a handwriting group keeps of its text, to be written again in place."""
    frame = None if block.frame is None else [block.frame.left, block.frame.top, block.frame.width,
                                              block.frame.step, block.frame.paragraph_of]
    return json.dumps({"lines": [[l.text, l.x, l.y] for l in block.lines], "font_size": block.font_size,
                       "anchor": block.anchor, "fill": block.fill, "frame": frame, "typed_width": block.typed_width})


def _rewritten(group) -> TextBlock:
    saved = json.loads(group.get(LAYOUT))
    frame = None if saved["frame"] is None else Frame(*saved["frame"])
    return TextBlock(group, [TextLine(*line) for line in saved["lines"]], saved["font_size"], saved["anchor"],
                     saved["fill"], frame, saved.get("typed_width"))


def measure_typed_widths(blocks: list[TextBlock], document: str, svg) -> None:
    """Set each text's typed width, in its own user units, as Inkscape sets it. Only Inkscape
    knows its fonts' metrics, so it is asked: one run for all texts. A handwriting group
    written again keeps the width measured when its text was first written."""
    wanted = [b for b in blocks if b.typed_width is None and not is_handwriting(b.element)]
    if not wanted:
        return
    try:
        found = inkex.command.inkscape(document, "--query-all")
    except (inkex.command.CommandNotFound, inkex.command.ProgramRunError) as e:
        raise ValueError(f"Inkscape could not measure the typed text ({e}); choose the x-height size") from None
    boxes = {row[0]: float(row[3]) for row in csv.reader(found.splitlines()) if len(row) == 5}
    for block in wanted:
        width = boxes.get(block.element.get("id"))
        if width:   # document px, through every transform above the text: back into its own units
            t = block.element.composed_transform()
            block.typed_width = svg.unittouu(f"{width}px") / (math.sqrt(abs(t.a * t.d - t.b * t.c)) or 1.0)


def length(value, font_size: float = 16.0, default: float = 16.0) -> float:
    """A CSS length in user units ('12px', '10pt', '1.5em', '120%')."""
    match = re.fullmatch(r"\s*([-+]?[\d.]+(?:e[-+]?\d+)?)\s*([a-z%]*)\s*", str(value or ""), re.I)
    if not match:
        return default
    number, unit = float(match.group(1)), match.group(2).lower()
    if unit in ("em",):
        return number * font_size
    if unit == "%":
        return number / 100 * font_size
    return number * UNITS.get(unit, 1.0)


def _style(element) -> dict:
    style = element.specified_style()
    return {key: style.get(key) for key in ("font-size", "line-height", "text-anchor", "text-align", "fill",
                                            "shape-inside", "white-space")}


def _line_height(style: dict, font_size: float) -> float:
    value = style.get("line-height")
    if not value or value == "normal":
        return 1.25 * font_size
    if re.fullmatch(r"\s*[\d.]+\s*", value):
        return float(value) * font_size
    return length(value, font_size, 1.25 * font_size)


def _anchor(style: dict) -> str:
    anchor = style.get("text-anchor")
    if anchor in ("middle", "end"):
        return anchor
    return {"center": "middle", "end": "end", "right": "end"}.get(style.get("text-align"), "start")


def _fill(style: dict, svg) -> str:
    """The text's colour for a pen: a gradient gives the colour of its first stop."""
    fill = style.get("fill")
    gradient = re.search(r"url\(\s*#([^)\s]+)\s*\)", str(fill or ""))
    seen = set()
    while gradient and gradient.group(1) not in seen:   # gradients may take their stops from another
        seen.add(gradient.group(1))
        element = svg.getElementById(gradient.group(1))
        stops = [] if element is None else element.findall("svg:stop", namespaces=inkex.NSS)
        if stops:
            fill = stops[0].specified_style().get("stop-color") or stops[0].get("stop-color")
            break
        href = "" if element is None else (element.get("xlink:href") or element.get("href") or "")
        gradient = re.search(r"#(\S+)", href)
    try:
        return str(inkex.Color(fill).to_rgb()) if fill and fill != "none" and "url(" not in str(fill) else "#000000"
    except (inkex.colors.ColorError, ValueError, TypeError):
        return "#000000"


def _text_of(element) -> str:
    return "".join(element.itertext()).replace("\u00a0", " ")


def _paragraphs(element) -> list[str]:
    """The paragraphs of SVG 2 flowed text. Inkscape saves each line as its font broke it,
    as a tspan; only a line that ends in a newline ends a paragraph."""
    lines = [_text_of(c) for c in element if isinstance(c, inkex.Tspan)] or [_text_of(element)]
    text = ""
    for line in lines:
        joint = text and not text.endswith(("\n", " ")) and not line.startswith(" ")
        text += (" " if joint else "") + line
    paragraphs = text.split("\n")
    return paragraphs[:-1] if len(paragraphs) > 1 and not paragraphs[-1].strip() else paragraphs


def _flowed(block: TextBlock, paragraphs: list[str], left: float, top: float, width: float,
            step: float) -> TextBlock:
    """Flowed text, sent to be written a paragraph (or a long paragraph's piece) a line: the
    lines come from the words' measured width once they are written (`placed`)."""
    cut = pieces(paragraphs)
    block.lines = [TextLine(piece, left, top) for _, piece in cut]
    block.frame = Frame(left, top, width, step, [n for n, _ in cut])
    block.anchor = "start"
    return block


def placed(block: TextBlock, written: list[dict]) -> list[tuple[TextLine, dict]]:
    """Each line to draw with what was written for it: flowed text broken to its frame by
    the measured width of the written words, a paragraph's lines filling the frame."""
    if block.frame is None:
        return list(zip(block.lines, written))
    frame, out = block.frame, []
    for n in sorted(set(frame.paragraph_of)):
        rows = reflow([w for w, p in zip(written, frame.paragraph_of) if p == n], frame.width)
        out += [(TextLine(row["text"], frame.left, frame.top + block.font_size + (len(out) + i) * frame.step), row)
                for i, row in enumerate(rows)]
    return out


def _box(shape) -> tuple[float, float, float]:
    """(left, top, width) of a flow region shape, in its user units."""
    box = shape.bounding_box()
    return box.left, box.top, box.width


def _font_size(element, style: dict) -> float:
    """The size most of the text is set in: Inkscape's text toolbar writes it on the line
    tspans, not on the text; one size for all lines keeps the handwriting one size."""
    size = length(style.get("font-size"), 16.0)
    chars = {}
    for tspan in element.iterdescendants():
        if isinstance(tspan, inkex.Tspan) and (tspan.text or "").strip():
            tspan_size = length(tspan.specified_style().get("font-size"), size, size)
            chars[tspan_size] = chars.get(tspan_size, 0) + len(tspan.text.strip())
    return max(chars, key=chars.get) if chars else size


def read(element, svg) -> TextBlock:
    """The lines of one text object (or of a handwriting group, to be written again);
    raises ValueError for an object that is not text."""
    if is_handwriting(element):
        return _rewritten(element)
    style = _style(element)
    font_size = _font_size(element, style)
    block = TextBlock(element, font_size=font_size, anchor=_anchor(style), fill=_fill(style, svg))
    step = _line_height(style, font_size)

    if isinstance(element, inkex.FlowRoot):
        region = element.find(".//svg:flowRegion", namespaces=inkex.NSS)
        shapes = [] if region is None else [c for c in region if isinstance(c, inkex.ShapeElement)]
        if not shapes:
            raise ValueError(f"{describe(element)} is flowed text with no frame to flow into")
        left, top, width = _box(shapes[0])
        paragraphs = [_text_of(p) for p in element.findall(".//svg:flowPara", namespaces=inkex.NSS)]
        return _flowed(block, paragraphs or [_text_of(element)], left, top, width, step)

    if not isinstance(element, inkex.TextElement):
        raise ValueError(f"{describe(element)} is not a text object")

    inside = style.get("shape-inside")
    if inside and inside != "none":
        match = re.search(r"url\(\s*#([^)\s]+)\s*\)", inside)
        shape = svg.getElementById(match.group(1)) if match else None
        if shape is None:
            raise ValueError(f"{describe(element)} flows into a frame that is missing ({inside})")
        left, top, width = _box(shape)
        return _flowed(block, _paragraphs(element), left, top, width, step)

    x0 = length(element.get("x"), font_size, 0.0)
    y0 = length(element.get("y"), font_size, 0.0)
    tspans = [c for c in element if isinstance(c, inkex.Tspan)]
    positioned = [t for t in tspans if t.get(SODIPODI_ROLE) == "line" or t.get("y") is not None]
    if positioned:
        x, y = x0, y0 - step
        lead = (element.text or "").strip()
        if lead:
            block.lines.append(TextLine(lead, x0, y0))
            y = y0
        for t in positioned:
            x = length(t.get("x"), font_size, x) if t.get("x") else x0
            y = length(t.get("y"), font_size, y + step) if t.get("y") else y + step
            block.lines.append(TextLine(_text_of(t), x, y))
    else:
        block.lines = [TextLine(t, x0, y0 + i * step) for i, t in enumerate(_text_of(element).split("\n"))]
    return block
