"""`inkscribe write`: text in, an SVG file (or pages of a letter, or one per CSV row) out,
through the daemon, which it starts when none answers. Imports no torch."""
import os
import re
import sys
from pathlib import Path

from inkscribe.model.config import WRITING, PathConfig
from inkscribe.model.page.charset import UnknownCharacterError, normalise

from .. import protocol
from .options import TIMEOUT, within
from .serving import endpoint_help, running


def _read_text(args) -> list[str]:
    if args.text is not None:
        text = args.text
    elif args.file and args.file != "-":
        text = Path(args.file).read_text(encoding="utf-8")
    else:
        text = sys.stdin.read()
    return text.rstrip("\n").split("\n")


def _unwritable(output: str, pages: bool = False) -> str | None:
    """Why `output` cannot be written, or None. With `pages`, its name must leave room for
    the page numbers further pages add (OUTPUT-12.svg)."""
    if output == "-":
        return None
    path = Path(output)
    if not path.parent.is_dir():
        return f"there is no folder {path.parent}"
    longest = os.pathconf(path.parent, "PC_NAME_MAX")
    if len(path.name.encode()) + (4 if pages else 0) > longest:
        return f"its name is longer than the {longest} bytes a file name may have there" + (
            " (with room for page numbers: -12)" if pages else "")
    if path.is_dir():
        return "it is a folder"
    if path.exists() and not path.is_file():
        return "it is not a regular file (a pipe, device or socket); give a file, or -o - for standard output"
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return "permission denied"
    return None


def _write_all_or_none(texts: dict[Path, str]) -> None:
    """Every file written beside its target first, then each renamed over its target: a
    failure while writing (a full disk) leaves every old file whole. A symbolic link is
    written through: its target gets the new text, and the link stays."""
    import tempfile

    written = {}
    try:
        for path, text in texts.items():
            path = Path(os.path.realpath(path))
            # A short name of its own: the target's name plus a suffix could pass the longest a folder allows.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".inkscribe-", suffix=".tmp")
            written[path] = tmp
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
        for path, tmp in written.items():
            os.replace(tmp, path)
    finally:
        for tmp in written.values():
            Path(tmp).unlink(missing_ok=True)


def _style(paths: list[str]) -> tuple[list[str], list, list]:
    """--style files as (pictures, drawn strokes, drawn outlines): an SVG file is read as
    handwriting drawn in it (every path), an InkML file (.inkml) as its traces, anything
    else is sent as a picture."""
    from ..pictures import check_file

    pictures, strokes, outlines = [], [], []
    for path in paths:
        check_file(path)
        if Path(path).suffix.lower() == ".inkml":
            from inkscribe.model.data.inkml import MAX_BYTES, read_inkml

            try:
                with open(path, "rb") as f:
                    strokes += read_inkml(f.read(MAX_BYTES + 1), path)   # no further: larger is refused
            except OSError as e:
                raise ValueError(f"cannot read {path}: {e.strerror}") from None
            continue
        if Path(path).suffix.lower() != ".svg":
            pictures.append(path)
            continue
        try:
            import inkex
            from inkscribe.model.page.drawn import drawn_paths, strokes_of
        except ImportError as e:
            raise ValueError(f"reading strokes from {path} needs inkex ({e}); install/setup.sh installs it") from None
        try:
            drawn = strokes_of(drawn_paths([inkex.load_svg(path).getroot()]))
        except Exception as e:   # lxml's and inkex's parse errors share no base class
            raise ValueError(f"cannot read {path} as an SVG drawing: {e}") from None
        if not any(drawn):
            raise ValueError(f"{path} holds no drawn strokes (paths) to take the style from")
        strokes += drawn[0]
        outlines += drawn[1]
    return pictures, strokes, outlines


def _write(args) -> int:
    from inkscribe.model.page.svg import standalone_svg

    from ..client import DaemonError, DaemonUnavailable
    from inkscribe.model.page.letter import LetterConfig, write_letter

    letter = LetterConfig(page=args.page or "A5", margin=args.margin, size=args.font_size, line_spacing=args.line_spacing,
                          variation=args.variation, plotter=args.plotter, tolerance=args.tolerance,
                          colour=args.colour, stroke_width=args.stroke_width)
    problem, rows = None, [None]
    try:
        letter.check()
        text = "\n".join(_read_text(args))
        rows = _csv_rows(args.csv, text) if args.csv else rows
        targets = [args.output] if not args.csv else _targets(args.output, rows)
        if args.seed is not None and not 0 <= args.seed <= protocol.MAX_SEED - len(rows) + 1:
            raise ValueError(f"--seed is from 0 to {protocol.MAX_SEED - len(rows) + 1}"
                             + (f" (each of the {len(rows)} rows takes the next one)" if args.csv else ""))
        problem = next(filter(None, (_unwritable(t, bool(args.page)) for t in targets)), None)
    except (ValueError, OSError) as e:
        problem = str(e)
    if args.plotter and not args.page:
        problem = "--plotter needs --page SIZE: a plotter draws on a page, in mm"
    if args.one_document and not args.page:
        problem = "--one-document needs --page SIZE: only a letter on pages can run to several"
    if args.csv and args.output == "-":
        problem = "--csv writes a file for each row: give -o with {column} names or a file name to number"
    if problem:   # said before any work is done
        print(f"inkscribe: cannot write {args.output}: {problem}", file=sys.stderr)
        return 1
    try:
        if args.hand and args.style:
            raise ValueError("write in a learnt hand (--hand) or in a style (--style), not both")
        pictures, strokes, outlines = _style(args.style)
        hand = None
        if args.hand:   # imported here: zipfile is more than `write` otherwise loads
            from inkscribe.model import handfile
            hand = handfile.read(handfile.find(args.hand))
    except ValueError as e:   # handfile.HandFileError too
        print(f"inkscribe: {e}", file=sys.stderr)
        return 1
    client = running(args.endpoint, args.timeout, args.checkpoint)
    if client is None:
        return 1
    writing = dict(style_images=pictures, style_strokes=strokes, style_outlines=outlines,
                   style_strength=args.style_strength, temperature=args.temperature, bias=args.bias,
                   smoothing=args.smoothing, versions=args.versions, hand=hand)
    for n, row in enumerate(rows, 1):
        # Each row its own seed: letters from one template do not repeat each other's strokes.
        seed = None if args.seed is None else args.seed + n - 1
        filled = text if row is None else text.format_map(row)
        try:
            if args.page:
                written = write_letter(client.write, filled, letter, seed, **writing)
                documents, seconds = [written.book] if args.one_document else written.pages, written.seconds
                if args.plotter:
                    print(f"inkscribe: pen-up travel inside lines {written.pen_up_mm[1]:.0f} mm "
                          f"(as written {written.pen_up_mm[0]:.0f} mm)", file=sys.stderr)
            else:
                reply = client.write(filled.split("\n"), seed=seed, font_size=args.font_size, **writing)
                cfg = PathConfig(font_size=args.font_size, line_spacing=args.line_spacing, stroke_width=args.stroke_width,
                                 colour=args.colour)
                documents = [standalone_svg([(line["paths"], line["bbox"][2] if line["bbox"] else 0.0)
                                             for line in reply["lines"]], cfg)]
                seconds = reply["timing"]["total_s"]
        except (DaemonError, DaemonUnavailable, OSError, ValueError) as e:
            print(f"inkscribe: {e}", file=sys.stderr)
            return 1
        targets = _save(documents, args.output if row is None else _target(args.output, row, n))
        if targets is None:
            return 1
        if targets:
            print(f"inkscribe: wrote {filled.count(chr(10)) + 1} line(s) to {', '.join(map(str, targets))} in "
                  f"{seconds:.2f} s", file=sys.stderr)
    return 0


def _save(documents: list[str], output: str) -> list[Path] | None:
    """A document to `output` ('-': stdout), further pages beside it as OUTPUT-2.svg, ...;
    the files written, or None (and why, on stderr) if they could not be."""
    if output == "-":
        if len(documents) > 1:
            print(f"inkscribe: the letter takes {len(documents)} pages; give -o FILE to write them", file=sys.stderr)
            return None
        try:
            sys.stdout.write(documents[0])
            sys.stdout.flush()
        except OSError as e:
            # Python would try the flush again on exit and print a traceback: point stdout elsewhere.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            print(f"inkscribe: cannot write to standard output: {e.strerror or e}", file=sys.stderr)
            return None
        return []
    first = Path(output)
    targets = [first] + [first.with_stem(f"{first.stem}-{k}") for k in range(2, len(documents) + 1)]
    try:
        _write_all_or_none(dict(zip(targets, documents)))
    except OSError as e:
        left = "it is left as it was" if len(targets) == 1 else \
            f"none of the {len(targets)} pages was written, and files of those names are left as they were"
        print(f"inkscribe: cannot write {output}: {e.strerror or e}; {left}", file=sys.stderr)
        return None
    return targets


def _names(template: str, what: str) -> set[str]:
    """The {names} a format string uses; ValueError, saying what it is, if its braces are off."""
    import string

    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as e:
        raise ValueError(f"{what}'s braces are off ({e}); write {{{{ and }}}} for a brace itself") from None


def _csv_rows(path: str, template: str) -> list[dict]:
    """The rows of a CSV file, checked against the {column} names the template uses."""
    import csv

    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        try:
            rows = list(reader)
        except csv.Error as e:   # a field over csv's limit (128 KiB), a NUL in older Pythons
            # line_num counts the lines read whole: the one that failed is the next
            raise ValueError(f"line {reader.line_num + 1} of {path} cannot be read: {e}") from None
    if not rows:
        raise ValueError(f"{path} has no rows under its header line")
    used = _names(template, "the template")
    missing = sorted(used - set(rows[0]))
    if missing:
        raise ValueError(f"the template uses {', '.join('{' + m + '}' for m in missing)}, which {path} has no "
                         f"column for (its columns: {', '.join(rows[0])})")
    for n, row in enumerate(rows, 1):
        empty = sorted(name for name in used if row.get(name) is None)
        if empty:   # a short row: DictReader fills it with None, which would be written as "None"
            raise ValueError(f"row {n} of {path} has no value for {', '.join('{' + e + '}' for e in empty)} "
                             f"(it has fewer fields than the header)")
        try:   # before the first row is written, not when a later one is reached
            for line in template.format_map(row).split("\n"):
                normalise(line)
        except UnknownCharacterError as e:
            raise ValueError(f"row {n} of {path}: {e}") from None
    return rows


def _target(output: str, row: dict, n: int) -> str:
    """Row n's file: -o with {column} names (and {n}, the row's number) filled in, else numbered.
    A value is made a safe file name: no folders, no leading dots."""
    if "{" not in output:
        path = Path(output)
        return str(path.with_stem(f"{path.stem}-{n}"))
    safe = {k: re.sub(r"[^\w.-]+", "_", str(v)).strip("._") or "_" for k, v in row.items()}
    return output.format_map({**safe, "n": n})


def _targets(output: str, rows: list[dict]) -> list[str]:
    """Every row's file, checked before any is written: names -o uses that the CSV file has
    no column for, and rows whose values make the same file name, are said."""
    if "{" in output:
        missing = sorted(_names(output, f"-o {output}") - set(rows[0]) - {"n"})
        if missing:
            raise ValueError(f"-o uses {', '.join('{' + m + '}' for m in missing)}, which the CSV file has no column "
                             f"for (its columns: {', '.join(rows[0])}; {{n}} is the row's number)")
    targets, first = [], {}
    for n, row in enumerate(rows, 1):
        target = _target(output, row, n)
        if target in first:
            raise ValueError(f"rows {first[target]} and {n} would both be written to {target}; add {{n}} to -o "
                             f"to number them")
        first[target] = n
        targets.append(target)
    return targets


def add_commands(commands) -> None:
    w = commands.add_parser("write", help="write text as handwriting into an SVG file",
                            description="Write text as handwriting, one SVG path per pen stroke. Uses the "
                                        "running daemon, or starts one in the background if none answers.")
    w.add_argument("text", nargs="?", help="the text; newlines separate lines (default: --file or stdin)")
    w.add_argument("-f", "--file", help="read the text from this file ('-' for stdin), one line per line")
    w.add_argument("-o", "--output", default="-", help="SVG file to write (default: stdout)")
    w.add_argument("--csv", metavar="FILE",
                   help="write the text (a template) once per row of this CSV file, its {column} names filled "
                        "in from the row; -o names each file, e.g. letters/{name}.svg (else OUTPUT-1.svg, ...)")
    w.add_argument("--hand", metavar="NAME",
                   help="write in a hand learnt with 'inkscribe hand learn': its name, or a .hand file's path")
    w.add_argument("--style", nargs="+", default=[], metavar="FILE",
                   help="pictures (PNG/JPEG) of the handwriting to imitate, SVG files of it drawn as "
                        "strokes (e.g. with a tablet in Inkscape), or InkML files (.inkml) a tablet or note app exports")
    for name, knob in WRITING.items():   # the daemon's defaults and ranges
        w.add_argument("--size" if name == "font_size" else "--" + name.replace("_", "-"), dest=name,
                       type=within(knob.low, knob.high, knob.integer), default=knob.default if name == "font_size" else None,
                       help=f"{knob.help}, {knob.low:g}-{knob.high:g} (default {knob.default:g})")
    w.add_argument("--seed", type=int, help="the same seed writes the same strokes again")
    w.add_argument("--line-spacing", type=within(0.5, 20), default=PathConfig.line_spacing,
                   help=f"baseline to baseline, in font sizes (default {PathConfig.line_spacing:g})")
    w.add_argument("--stroke-width", type=within(0.01, 100), help="pen width in px (default: size / 16)")
    w.add_argument("--page", metavar="SIZE",
                   help="lay the text out as a letter on pages of this size: A5, A4, letter or WxH in mm; "
                        "long lines are broken by the written words' width, and further pages go to "
                        "OUTPUT-2.svg, OUTPUT-3.svg... (or see --one-document); one path per stroke, in mm, "
                        "no transforms")
    w.add_argument("--one-document", action="store_true",
                   help="with --page: all pages in one multi-page document, as Inkscape 1.2 and later open it, "
                        "each page a layer")
    w.add_argument("--margin", type=within(0, 200), default=15.0, help="with --page: margin in mm (default 15)")
    w.add_argument("--variation", type=within(0, 1), default=0.0, metavar="V",
                   help="with --page: from 0 (default) to 1, lines stray as a hand's do on an unruled page: "
                        "the left margin wanders inwards, baselines drift and tilt slightly")
    w.add_argument("--plotter", action="store_true",
                   help="with --page: polylines instead of curves, each line's strokes ordered for the "
                        "shortest pen-up travel (the saving is reported)")
    w.add_argument("--tolerance", type=within(0, 10), default=0.05,
                   help="with --plotter: how far in mm a polyline may stray from the stroke (default 0.05)")
    w.add_argument("--colour", default="#000000", help="pen colour (default black)")
    w.add_argument("--endpoint", help=endpoint_help())
    w.add_argument("--checkpoint", help="weights for a daemon this command starts (default: shipped)")
    w.add_argument("--timeout", type=TIMEOUT, default=300.0, help="seconds to wait for the daemon's answer")
    w.set_defaults(run=_write)
