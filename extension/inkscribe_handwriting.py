#!/usr/bin/env python3
"""Inkscape extension: selected text -> editable single-line handwriting, in place.

Reads the selected text objects and the chosen style pictures, asks the inkscribe daemon
(starting it if need be) to write every line, and only once every answer is in, replaces
each text with a group of pen strokes. Any failure aborts with a message and leaves the
document as it was.
"""
import inkscribe_launch

if __name__ == "__main__":
    inkscribe_launch.run_in_project_python(__file__)

import base64  # noqa: E402
import os  # noqa: E402
from pathlib import Path  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from urllib.parse import unquote, urlparse  # noqa: E402

import inkex  # noqa: E402
from lxml import etree  # noqa: E402
from inkex import Group, PathElement, Transform  # noqa: E402

import inkscribe_text  # noqa: E402
from inkscribe.daemon import protocol  # noqa: E402
from inkscribe.model.page.drawn import drawn_paths, strokes_of  # noqa: E402
from inkscribe.model import handfile  # noqa: E402
from inkscribe.model.page import charset  # noqa: E402
from inkscribe.model.page.plotter import plotted, polyline_data  # noqa: E402
from inkscribe.daemon.client import Client, DaemonError, DaemonUnavailable  # noqa: E402
from inkscribe_effect import InkscribeEffect, capital  # noqa: E402
from inkscribe.daemon.pictures import READ_BYTES  # noqa: E402

NS = inkscribe_text.NS
inkex.NSS["inkscribe"] = NS
STYLES = Path(__file__).with_name("styles")
# Font sizes from the baseline up to the middle of handwriting's ink: half its x-height.
MIDDLE_ABOVE_BASELINE = 0.25
MAX_IMAGE_BYTES = READ_BYTES   # larger than the daemon takes: the client shrinks them first
SOURCES = ["auto", "pictures", "drawn", "document", "hand"]
PICTURE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")   # what the daemon reads
HANDS = ["own", "1", "2", "3", "4", "learnt"]


@dataclass
class Style:
    """What a style was read from, as recorded on each group, and what the daemon is sent."""
    said: str
    names: list = field(default_factory=list)
    images: list = field(default_factory=list)
    strokes: list = field(default_factory=list)
    outlines: list = field(default_factory=list)
    hand: bytes | None = None


def _width(written_line: dict) -> float:
    return max(x for stroke in written_line["strokes"] for x, _ in stroke)


class Handwriting(InkscribeEffect):
    def add_arguments(self, pars):
        super().add_arguments(pars)
        pars.add_argument("--tab")
        pars.add_argument("--source", default="auto", choices=SOURCES)
        pars.add_argument("--hand", default="own", choices=HANDS)
        pars.add_argument("--hand_name", default="")   # a learnt hand; empty: the one learnt last
        pars.add_argument("--style_strength", type=float, default=protocol.WriteRequest.style_strength)
        pars.add_argument("--bias", type=float, default=protocol.WriteRequest.bias)
        pars.add_argument("--temperature", type=float, default=protocol.WriteRequest.temperature)
        pars.add_argument("--versions", type=int, default=protocol.WriteRequest.versions)
        pars.add_argument("--seed", type=int, default=1)
        pars.add_argument("--keep_text", type=inkex.Boolean, default=False)
        pars.add_argument("--unknown_chars", default="stop", choices=charset.UNKNOWN)
        pars.add_argument("--use_text_colour", type=inkex.Boolean, default=True)
        pars.add_argument("--colour", type=inkex.Color, default=inkex.Color("black"))
        pars.add_argument("--size", default="x-height", choices=["x-height", "width"])
        pars.add_argument("--pen_width", type=float, default=0.0)   # mm; 0: in proportion to the font size
        pars.add_argument("--smoothing", type=int, default=protocol.WriteRequest.smoothing)
        pars.add_argument("--plotter", type=inkex.Boolean, default=False)
        pars.add_argument("--tolerance", type=float, default=0.05)   # mm a plotter's polyline may stray

    nothing_done = "Nothing was written; the document is as it was."

    def act(self):
        texts = inkscribe_text.texts_in(self.svg.selection.values())
        if not texts:
            raise inkex.AbortExtension("Select one or more text objects (or groups or layers holding them) "
                                       "to turn into handwriting.")
        blocks = []
        for element in texts:
            try:
                block = inkscribe_text.read(element, self.svg)
            except ValueError as e:
                raise inkex.AbortExtension(str(e)) from None
            if block.text.strip():
                blocks.append(block)
        if not blocks:
            raise inkex.AbortExtension("The selected text objects are empty.")
        if self.options.size == "width":
            try:
                inkscribe_text.measure_typed_widths(blocks, self.options.input_file, self.svg)
            except ValueError as e:
                raise inkex.AbortExtension(str(e)) from None
        style = self.style()
        self.style_from = style.said
        seed = self.options.seed or random.randrange(1, 2**31)
        client = self.client()
        written = self.write(client, blocks, style, seed)
        # Only now, with every answer in hand, is the document changed.
        for block, lines in zip(blocks, written):
            self.replace(block, lines, seed)
        # Declared once at the top, the settings read inkscribe:seed="3" rather than ns2:seed="3".
        etree.cleanup_namespaces(self.document, top_nsmap={"inkscribe": NS})

    # ---- input ---------------------------------------------------------------------
    def style(self) -> Style:
        """Where the style comes from. By default: pictures in the selection, else handwriting
        drawn in it, else the chosen hand, none of which is worth a word. A source asked for by
        name that is not there is an error."""
        source = self.options.source
        if source in ("auto", "pictures", "document"):
            pool = self.svg.descendants() if source == "document" else self.svg.selection.values()
            images = [e for e in pool if isinstance(e, inkex.Image)][: protocol.Limits().images]
            if images:
                names = [self.image_name(e) for e in images]
                return Style(", ".join(names), names, [self.image_bytes(e) for e in images])
            if source != "auto":
                where = "selected" if source == "pictures" else "in the document"
                raise inkex.AbortExtension(
                    f"no picture of handwriting is {where}. Select a picture of someone's writing with the text, "
                    f"or choose another style source on the Writing tab.")
        if source in ("auto", "drawn"):
            try:
                strokes, outlines = strokes_of(
                    drawn_paths(self.svg.selection.values(), skip=inkscribe_text.is_handwriting))
            except ValueError as e:
                raise inkex.AbortExtension(f"{e}.") from None
            if strokes or outlines:
                return Style(f"{len(strokes) + len(outlines)} drawn strokes in the selection", strokes=strokes,
                             outlines=outlines)
            if source == "drawn":
                raise inkex.AbortExtension(
                    "no handwriting is drawn in the selection. Select some handwriting drawn with the pencil, pen or "
                    "calligraphy tool together with the text, or choose another style source on the Writing tab.")
        return self.chosen_hand()

    def chosen_hand(self) -> Style:
        hand = self.options.hand
        if hand == "own":
            return Style("inkscribe's own hand")
        if hand == "learnt":
            try:
                path = handfile.find(self.options.hand_name) if self.options.hand_name else handfile.latest()
                return Style(f"the hand “{path.stem}”", hand=handfile.read(path))
            except handfile.HandFileError as e:
                raise inkex.AbortExtension(f"{e}.") from None
        path = STYLES / f"hand-{hand}.png"
        if not path.exists():
            raise inkex.AbortExtension(f"built-in hand {hand} is missing ({path}).")
        return Style(f"built-in hand {hand}", [f"built-in hand {hand}"], [path.read_bytes()])

    @staticmethod
    def image_name(image) -> str:
        """How a person knows a picture: its label in the Objects panel, else its file name."""
        href = image.get("xlink:href") or image.get("href") or ""
        if image.label:
            return f"the image “{image.label}”"
        if href and not href.startswith("data:"):
            return f"the image {Path(unquote(urlparse(href).path)).name}"
        return f"the embedded image “{image.get_id()}”"   # the name the Objects panel shows

    def picture_folders(self) -> list[Path]:
        """Where a linked picture may be read from: the document's folder, and the user's home."""
        document = self.document_path()
        folders = [Path.home()] + ([Path(document).parent] if document else [])
        return [Path(os.path.realpath(f)) for f in folders]

    def image_bytes(self, image) -> bytes:
        href = image.get("xlink:href") or image.get("href") or ""
        name = self.image_name(image)
        if href.startswith("data:"):
            header, _, payload = href.partition(",")
            if ";base64" not in header:
                raise inkex.AbortExtension(f"{name}: only base64 data URIs are supported.")
            try:
                data = base64.b64decode(payload, validate=False)
            except ValueError:
                raise inkex.AbortExtension(f"{name}: its embedded data is not valid base64.") from None
        else:
            path = Path(unquote(urlparse(href).path)) if href.startswith("file:") else Path(unquote(href))
            candidates = [path] if path.is_absolute() else []
            if not path.is_absolute():
                document = self.document_path()
                if document:
                    candidates.append(Path(document).parent / path)
                absref = image.get("sodipodi:absref")
                if absref:
                    candidates.append(Path(absref))
            found = next((p for p in candidates if p.is_file()), None)
            if found is None:
                raise inkex.AbortExtension(f"{name}: linked file {href!r} was not found.")
            found = Path(os.path.realpath(found))
            if not any(found.is_relative_to(folder) for folder in self.picture_folders()):
                # The daemon may be another machine's: a document must not be able to send it
                # /etc/passwd or a process's environment by naming them in an <image>.
                raise inkex.AbortExtension(
                    f"{name} links to {found}, outside this document's folder and your home folder; move the "
                    f"picture beside the document, or embed it.")
            if found.stat().st_size > MAX_IMAGE_BYTES:
                raise inkex.AbortExtension(f"{name}: {found} is over {MAX_IMAGE_BYTES // 2**20} MiB.")
            with open(found, "rb") as f:
                data = f.read(MAX_IMAGE_BYTES + 1)
        if len(data) > MAX_IMAGE_BYTES:
            raise inkex.AbortExtension(f"{name} is over {MAX_IMAGE_BYTES // 2**20} MiB.")
        if not data.startswith(PICTURE_MAGIC):   # only pictures leave this machine
            raise inkex.AbortExtension(f"{name} is not a PNG or JPEG picture.")
        return data

    def write(self, client: Client, blocks: list, style: Style, seed: int) -> list:
        """Every text's written lines, from one request: the model writes them as one batch."""
        try:
            lines = [charset.normalise(line.text, self.options.unknown_chars) for b in blocks for line in b.lines]
            reply = client.write(lines, style_images=style.images, style_names=style.names,
                                 style_strokes=style.strokes, style_outlines=style.outlines, hand=style.hand,
                                 style_strength=self.options.style_strength, temperature=self.options.temperature,
                                 bias=self.options.bias, seed=seed, smoothing=self.options.smoothing,
                                 versions=self.options.versions,
                                 font_size=[b.font_size for b in blocks for _ in b.lines])
        except charset.UnknownCharacterError as e:
            texts = [b.name for b in blocks if set(b.text) & set(e.characters)]
            raise inkex.AbortExtension(
                f"{capital(' and '.join(texts))} cannot be written: {e}. To write them anyway, choose what "
                f"to do with such characters on the Writing tab (nearest plain letter, or a gap).") from None
        except DaemonError as e:
            raise inkex.AbortExtension(f"The handwriting cannot be written: {e}") from None
        except DaemonUnavailable as e:
            raise inkex.AbortExtension(str(e)) from None
        left = sorted({c for b in blocks for c in charset.gaps(b.text, self.options.unknown_chars)})
        if self.options.unknown_chars == "plain" and left:
            # An amount's ₹ left out silently changes what it says: this one is worth a word.
            shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in left)
            inkex.utils.errormsg(f"Written with a gap for {shown}: the model cannot write them, and they have no "
                                 f"plain letters.")
        out, start = [], 0
        for block in blocks:
            out.append(reply["lines"][start:start + len(block.lines)])
            start += len(block.lines)
        return out

    # ---- output --------------------------------------------------------------------
    def size_scale(self, block, written: list[dict]) -> float:
        """1 for the font's x-height; sized by width, what makes the widest written line as
        wide as the typed text (one scale for every line; flowed text fills its frame anyway)."""
        widest = max((_width(w) for w in written if w["strokes"]), default=0.0)
        if self.options.size != "width" or block.frame is not None or not block.typed_width or widest <= 0:
            return 1.0
        return block.typed_width / widest

    def document_size(self, block) -> str:
        """The font size in the document's own unit, as seen on the page: a text inside a
        scaled group or flowed frame states its size in its own, scaled units."""
        t = block.element.composed_transform()
        return f"{block.font_size * math.sqrt(abs(t.a * t.d - t.b * t.c)):.4g}{self.svg.unit}"

    def replace(self, block, written: list[dict], seed: int) -> None:
        element = block.element
        colour = block.fill if self.options.use_text_colour else str(self.options.colour.to_rgb())
        width = self.svg.unittouu(f"{self.options.pen_width}mm") if self.options.pen_width else block.font_size / 16
        group = Group()
        group.label = block.text.replace("\n", " ")[:80]
        for key, value in [("text", block.text), ("style-source", self.options.source),
                           ("style-from", self.style_from),
                           ("style-strength", self.options.style_strength),
                           ("temperature", self.options.temperature), ("bias", self.options.bias),
                           ("versions", self.options.versions), ("seed", seed),
                           ("smoothing", self.options.smoothing), ("font-size", self.document_size(block)),
                           ("size", self.options.size)]:
            group.set(f"{{{NS}}}{key}", str(value))
        group.set(inkscribe_text.LAYOUT, inkscribe_text.layout(block))
        left = charset.gaps(block.text, self.options.unknown_chars)
        if left:
            group.set(f"{{{NS}}}not-written", "".join(left))
        placement = Transform(element.get("transform"))
        if self.options.plotter:   # coordinates in the text's parent's space: no transforms to undo
            width *= math.sqrt(abs(placement.a * placement.d - placement.b * placement.c))
        else:
            group.transform = placement
        group.style = inkex.Style({"fill": "none", "stroke": colour, "stroke-width": f"{width:.4g}",
                                   "stroke-linecap": "round", "stroke-linejoin": "round"})
        in_air = [0.0, 0.0]   # pen-up travel as written, and as ordered for a plotter
        scale = self.size_scale(block, written)
        for n, (line, row_written) in enumerate(inkscribe_text.placed(block, written), 1):
            if not row_written["paths"]:
                continue
            shift = {"start": 0.0, "middle": 0.5, "end": 1.0}[block.anchor] * _width(row_written) * scale
            row = Group()
            row.label = f"line {n}: {row_written['text']}"[:80]
            # Scaled about the baseline, so that a line sized by width still sits on it.
            row.transform = (Transform(translate=(line.x - shift, line.y)) @ Transform(scale=scale)
                             @ Transform(translate=(0, -MIDDLE_ABOVE_BASELINE * block.font_size)))
            if scale != 1 and not self.options.plotter:
                row.style = inkex.Style({"stroke-width": f"{width / scale:.4g}"})
            if self.options.plotter:
                to_parent, row.transform = placement @ row.transform, Transform()
                tolerance = self.svg.unittouu(f"{self.options.tolerance}mm")
                drawn, before, after = plotted([[tuple(to_parent.apply_to_point(p)) for p in s]
                                                for s in row_written["strokes"]], tolerance)
                in_air = [in_air[0] + before, in_air[1] + after]
                paths = [polyline_data(s) for s in drawn]
            else:
                paths = row_written["paths"]
            for d in paths:
                row.add(PathElement(d=d))
            group.add(row)
        if self.options.plotter:
            before, after = (self.svg.uutounit(v, "mm") for v in in_air)
            group.set(f"{{{NS}}}pen-up-travel", f"{after:.1f} mm (as written {before:.1f} mm)")
        element.addprevious(group)
        if self.options.keep_text and not inkscribe_text.is_handwriting(element):
            element.style["display"] = "none"
        else:
            element.delete()


if __name__ == "__main__":
    Handwriting().run()
