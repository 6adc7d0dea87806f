"""Letters on pages, from Python as from `inkscribe write --page`: text in, SVG pages out.

    from inkscribe.daemon.client import Client
    from inkscribe.model.page.letter import LetterConfig, write_letter

    template = open("letter.txt").read()
    for n, row in enumerate(csv.DictReader(open("people.csv")), 1):
        letter = write_letter(Client().write, template.format_map(row), LetterConfig(page="A5"), seed=n)
        for k, page in enumerate(letter.pages, 1):
            Path(f"{row['name']}-{k}.svg").write_text(page)

The writing itself is whatever `write` is given: the daemon client's, or anything that
answers as the daemon's write reply does, so that pages know nothing of how lines are
written.
"""
from dataclasses import dataclass, field
from typing import Callable

from ..config import PathConfig
from .layout import PX_PER_MM, flush_right, indent, page_size, pages, pieces
from .svg import book_svg, page_svg


@dataclass
class LetterConfig:
    page: str = "A5"                     # A5, A4, letter or WxH in mm
    margin: float = 15.0                 # mm
    size: float = 32.0                   # font size in px, as Inkscape's: the x-height is half of it
    line_spacing: float = PathConfig.line_spacing
    variation: float = 0.0               # 0 to 1: how far lines stray, as a hand's do on an unruled page
    plotter: bool = False                # polylines, each line's strokes ordered for less pen-up travel
    tolerance: float = 0.05              # mm a plotter's polyline may stray from the stroke
    colour: str = "#000000"
    stroke_width: float | None = None    # px at `size`; default size / 16

    def check(self) -> tuple[float, float]:
        """The page's size in mm; ValueError, before any writing, for settings that cannot work."""
        if not 0 <= self.variation <= 1:
            raise ValueError(f"variation is from 0 to 1, not {self.variation:g}")
        if not self.size > 0:
            raise ValueError(f"the font size must be above 0 px, not {self.size:g}")
        if self.stroke_width is not None and not self.stroke_width > 0:
            raise ValueError(f"the pen width must be above 0 px, not {self.stroke_width:g}")
        width, height = page_size(self.page)
        if not 0 <= self.margin < min(width, height) / 2:
            raise ValueError(f"a margin of {self.margin:g} mm leaves no room on a page of {width:g} x {height:g} mm "
                             f"(from 0 to under {min(width, height) / 2:g} mm)")
        return width, height


@dataclass
class Letter:
    pages: list[str]                     # SVG documents in mm, one path per stroke, no transforms
    seconds: float                       # the daemon's time to write it
    pen_up_mm: tuple[float, float] = field(default=(0.0, 0.0))   # with plotter: travel as written, as ordered
    book: str = ""                       # the same pages in one multi-page document (Inkscape 1.2+)


def write_letter(write: Callable[..., dict], text: str, cfg: LetterConfig = LetterConfig(), seed: int | None = None,
                 **writing) -> Letter:
    """`text` written as a letter: each of its lines a paragraph, broken by the written words'
    width inside the margins; a paragraph typed with leading spaces starts indented, one
    typed ten or more spaces in ends at the right margin. `write(lines, seed=, font_size=,
    **writing)` writes the lines (`Client.write`); `writing`: its other settings
    (style_images, style_strength, bias, versions, ...). Raises ValueError for bad settings,
    and whatever `write` raises (the client's errors for the daemon's refusals)."""
    page = cfg.check()
    paragraphs = text.rstrip("\n").split("\n")
    size = cfg.size / PX_PER_MM   # in mm throughout: the daemon's "px" is whatever unit the font size is in
    cut = pieces(paragraphs)
    reply = write([p for _, p in cut], seed=seed, font_size=size, **writing)
    written = [[row for (n, _), row in zip(cut, reply["lines"]) if n == k] for k in range(len(paragraphs))]
    laid_out = pages(written, page, cfg.margin, size * cfg.line_spacing, [indent(p, size) for p in paragraphs],
                     [flush_right(p) for p in paragraphs], cfg.variation, seed)
    travel = (0.0, 0.0)
    if cfg.plotter:
        laid_out, travel = _for_plotter(laid_out, cfg.tolerance)
    pen = None if cfg.stroke_width is None else cfg.stroke_width / PX_PER_MM
    paths = PathConfig(font_size=size, line_spacing=cfg.line_spacing, stroke_width=pen, colour=cfg.colour)
    return Letter([page_svg(lines, page, paths) for lines in laid_out], reply["timing"]["total_s"], travel,
                  book_svg(laid_out, page, paths))


def _for_plotter(laid_out: list[list[dict]], tolerance: float) -> tuple[list[list[dict]], tuple[float, float]]:
    """Pages whose strokes are polylines within `tolerance` mm, each line's drawn in the
    order that keeps the pen's travel in the air short; and that travel, before and after."""
    from .plotter import plotted, points_of, polyline_data

    in_air, out = [0.0, 0.0], []
    for lines in laid_out:
        out.append([])
        for line in lines:
            drawn, before, after = plotted([points_of(d) for d in line["paths"]], tolerance)
            in_air = [in_air[0] + before, in_air[1] + after]
            out[-1].append({**line, "paths": [polyline_data(s) for s in drawn]})
    return out, (in_air[0], in_air[1])
