"""Standalone SVG documents from path data. No numpy, so that `inkscribe write` starts quickly."""
import math
import re
from xml.sax.saxutils import escape

from .config import PathConfig


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


def page_svg(lines: list[dict], size_mm: tuple[float, float], cfg: PathConfig) -> str:
    """One page of a letter in mm, no transforms: one <path> per stroke, as plotters take it."""
    width, height = size_mm
    body = "\n".join(f'<path d="{escape(d)}"/>' for line in lines for d in line["paths"])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}mm" height="{height:g}mm" '
        f'viewBox="0 0 {width:g} {height:g}">\n'
        f'<g fill="none" stroke="{escape(cfg.colour)}" stroke-width="{cfg.width:.3f}" '
        f'stroke-linecap="round" stroke-linejoin="round">\n{body}\n</g>\n</svg>\n'
    )
