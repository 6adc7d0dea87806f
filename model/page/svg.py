"""Standalone SVG documents from path data. No numpy, so that `inkscribe write` starts quickly."""
import html
import math
import re

from ..config import PathConfig


def escape(value: str) -> str:
    """Text made safe inside a double-quoted attribute: a quote in a colour or in path data
    from elsewhere ends nothing and adds no attribute."""
    # html.escape, not xml.sax.saxutils': that one imports urllib and http, a sixth of a
    # whole `inkscribe write`.
    return html.escape(value, quote=False).replace('"', "&quot;")


def standalone_svg(lines: list[tuple[list[str], float]], cfg: PathConfig) -> str:
    """One SVG document from each line's (path data, width in px), each line below the previous one."""
    step = cfg.font_size * cfg.line_spacing
    groups = []
    for i, (paths, _) in enumerate(lines):
        body = "".join(f'<path d="{escape(d)}"/>' for d in paths)
        groups.append(f'<g transform="translate(0,{step * (i + 0.5):.2f})">{body}</g>')
    margin = cfg.font_size / 2
    width = max((w for _, w in lines), default=0) + 2 * margin
    height = step * len(lines) + 2 * margin
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="{-margin:.1f} {-margin:.1f} {width:.1f} {height:.1f}">\n'
        f'<g fill="none" stroke="{escape(cfg.colour)}" stroke-width="{cfg.width:.2f}" '
        f'stroke-linecap="round" stroke-linejoin="round">\n' + "\n".join(groups) + "\n</g>\n</svg>\n"
    )


# An x,y pair of path data as this project writes it.
PAIR = re.compile(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


def shift_path(d: str, dx: float, dy: float = 0.0, turn: float = 0.0) -> str:
    """Path data (absolute x,y pairs, as `paths.path_data` writes it) turned by `turn`
    radians about the origin, then moved by (dx, dy)."""
    c, s = math.cos(turn), math.sin(turn)

    def moved(m):
        x, y = float(m.group(1)), float(m.group(2))
        return f"{c * x - s * y + dx:.2f},{s * x + c * y + dy:.2f}"
    return PAIR.sub(moved, d)


def _pen(cfg: PathConfig, body: str, attributes: str = "") -> str:
    return (f'<g{attributes} fill="none" stroke="{escape(cfg.colour)}" stroke-width="{cfg.width:.3f}" '
            f'stroke-linecap="round" stroke-linejoin="round">\n{body}\n</g>\n')


def page_svg(lines: list[dict], size_mm: tuple[float, float], cfg: PathConfig) -> str:
    """One page of a letter in mm, no transforms: one <path> per stroke, as plotters take it."""
    width, height = size_mm
    body = "\n".join(f'<path d="{escape(d)}"/>' for line in lines for d in line["paths"])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}mm" height="{height:g}mm" '
            f'viewBox="0 0 {width:g} {height:g}">\n' + _pen(cfg, body) + "</svg>\n")


PAGE_GAP_MM = 10.0   # between pages side by side, as Inkscape sets out new pages


def book_svg(pages: list[list[dict]], size_mm: tuple[float, float], cfg: PathConfig) -> str:
    """All the pages of a letter in one Inkscape (1.2 and later) multi-page document: the
    pages side by side, each a layer; still in mm, with no transforms."""
    width, height = size_mm
    step = width + PAGE_GAP_MM
    marks = "".join(f'<inkscape:page id="page{k}" x="{k * step:g}" y="0" width="{width:g}" height="{height:g}"/>'
                    for k in range(len(pages)))
    layers = "".join(
        _pen(cfg, "\n".join(f'<path d="{escape(shift_path(d, k * step))}"/>' for line in lines for d in line["paths"]),
             f' id="page-{k + 1}" inkscape:groupmode="layer" inkscape:label="Page {k + 1}"')
        for k, lines in enumerate(pages))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
            f'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" '
            f'width="{width:g}mm" height="{height:g}mm" viewBox="0 0 {width:g} {height:g}">\n'
            f'<sodipodi:namedview id="pages" inkscape:document-units="mm">{marks}</sodipodi:namedview>\n'
            f'{layers}</svg>\n')


def ruled_sheet(texts: list[str]) -> str:
    """An A4 page of lines to copy: each text printed small, and under it a ruled band to write
    it in (a baseline, and a dashed line where small letters reach), in mm."""
    width, height, margin, pitch = 210, 297, 15, 30
    said = ["Write each line under its text, in your everyday hand, with a fine pen:",
            "with a tablet in Inkscape, over this sheet (Inkscape's pencil or pen tool)."]
    parts = [f'<text x="{margin}" y="{margin + 2 + 5 * k}" font-family="sans-serif" font-size="4" fill="#444">'
             f"{line}</text>" for k, line in enumerate(said)]
    for k, text in enumerate(texts):
        top = margin + 12 + k * pitch
        base = top + 20
        parts += [f'<text x="{margin}" y="{top + 4}" font-family="sans-serif" font-size="4.5" fill="#777">'
                  f"{escape(text)}</text>",
                  f'<line x1="{margin}" y1="{base}" x2="{width - margin}" y2="{base}" stroke="#7aa6d8" '
                  f'stroke-width="0.3"/>',
                  f'<line x1="{margin}" y1="{base - 4}" x2="{width - margin}" y2="{base - 4}" stroke="#b9cfe8" '
                  f'stroke-width="0.2" stroke-dasharray="2,1.5"/>']
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
            f'viewBox="0 0 {width} {height}">\n' + "\n".join(parts) + "\n</svg>\n")
