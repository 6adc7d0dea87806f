"""`inkscribe hand`: learn a person's hand from a few lines they wrote, list the hands learnt,
forget one, and print a sheet of lines to copy. The daemon learns; this command reads the
samples, says how far it has got, and keeps the hand file."""
import base64
import sys
import time
from pathlib import Path

from inkscribe.model import handfile

from ..client import Client, DaemonError, DaemonUnavailable
from .options import TIMEOUT
from .serving import endpoint_help, running

# A hand's name is a file name: no folders, nothing hidden.
# Lines to copy: every small letter many times over, the common joins, digits and capitals.
TEMPLATE = [
    "The quick brown fox jumps over the lazy dog.",
    "Pack my box with five dozen liquor jugs!",
    "Sphinx of black quartz, judge my vow.",
    "How vexingly quick daft zebras jump?",
    "The five boxing wizards jump quickly.",
    "Then there is the thing in her garden, and another one.",
    "On 12/04/2026 at 3:45 pm it cost 78.90 or 16 each.",
    "QUIZ: WHY BACK FLYING JEWELS? VEX THEM, MAX!",
]


def _lines(paths: list[str], count: int) -> list:
    """The written lines of sample files, in the order given, each its pen strokes: an SVG of
    strokes or InkML parted into lines by their height, a picture traced (into `count` lines
    where it is the only sample: the text says how many it holds)."""
    from inkscribe.model.page.drawn import lines_of

    lines = []
    for path in paths:
        if Path(path).suffix.lower() in (".svg", ".inkml"):
            lines += lines_of(_strokes(path))
        else:
            lines += _traced(path, count if len(paths) == 1 else None)
    return lines


def _traced(path: str, count: int | None) -> list:
    from PIL import Image, UnidentifiedImageError

    from inkscribe.model.style.trace import traced
    from ..pictures import check_file

    check_file(path)
    try:
        with Image.open(path) as picture:
            found = traced(picture, count)
    except (UnidentifiedImageError, OSError) as e:
        raise ValueError(f"{path} is not a picture that can be read ({e})") from None
    if not found:
        raise ValueError(f"{path} traces to no lines of writing: a picture cropped to the lines, dark on light, in "
                         f"sharp focus")
    return [[s.tolist() for s in line] for line in found]


def _strokes(path: str) -> list:
    """Pen strokes from an SVG of strokes or InkML, in the order they were drawn."""
    if Path(path).suffix.lower() == ".inkml":
        from inkscribe.model.data.inkml import MAX_BYTES, read_inkml
        with open(path, "rb") as f:
            strokes = read_inkml(f.read(MAX_BYTES + 1), path)
    else:
        import inkex
        from inkscribe.model.page.drawn import drawn_paths, strokes_of
        try:
            strokes, outlines = strokes_of(drawn_paths([inkex.load_svg(path).getroot()]))
        except Exception as e:   # lxml's and inkex's parse errors share no base class
            raise ValueError(f"cannot read {path} as an SVG drawing: {e}") from None
        if outlines and not strokes:
            raise ValueError(f"{path} holds filled outlines only (a calligraphy tool's): draw the lines with the "
                             f"pencil or pen tool, or a tablet")
    return [s for s in strokes if len(s) > 1]


def _learn(args) -> int:
    if bool(args.output) == bool(args.name):
        print("inkscribe: give the hand a --name to keep it, or -o FILE.hand to write it there", file=sys.stderr)
        return 1
    if args.name:
        try:
            handfile.checked_name(args.name)
        except handfile.HandFileError as e:
            print(f"inkscribe: {e}", file=sys.stderr)
            return 1
    try:
        texts = [t for t in Path(args.text_file).read_text(encoding="utf-8").splitlines() if t.strip()]
        lines = _lines(args.samples, len(texts))
    except (OSError, ValueError) as e:
        print(f"inkscribe: {e}", file=sys.stderr)
        return 1
    if not lines:
        print(f"inkscribe: {', '.join(args.samples)} hold no pen strokes", file=sys.stderr)
        return 1
    if len(lines) != len(texts):
        print(f"inkscribe: the samples hold {len(lines)} written lines, and {args.text_file} {len(texts)} lines of "
              f"text: give what each written line says, one text line each, in reading order", file=sys.stderr)
        return 1
    name = args.name or Path(args.output).stem
    target = Path(args.output) if args.output else handfile.named(name)
    client = running(args.endpoint, args.timeout)
    if client is None:
        return 1
    started, job = time.monotonic(), None
    try:
        job = client.learn([[list(map(list, s)) for s in line] for line in lines], texts, name)
        status = _followed(client, job)
    except KeyboardInterrupt:
        if job is not None:
            client.learn_cancel(job)
        print("\ninkscribe: cancelled; no hand was kept", file=sys.stderr)
        return 130
    except (DaemonError, DaemonUnavailable) as e:
        print(f"inkscribe: {e}", file=sys.stderr)
        return 1
    if status["state"] != "done":
        said = status.get("error", {}).get("message", status["state"])
        print(f"inkscribe: the hand was not learnt: {said}", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(base64.b64decode(status["hand"]))
    before, after = status["nll_before"], status["nll_after"]
    print(f"inkscribe: learnt the hand “{name}” from {len(lines)} lines in {time.monotonic() - started:.0f} s: "
          f"a line of it held out reads {before - after:+.3f} nats a point likelier to the hand than to the model "
          f"({before:.3f} -> {after:.3f}); kept in {target}\n"
          f"inkscribe: write with it: inkscribe write TEXT --hand {args.name or target}", file=sys.stderr)
    return 0


def _followed(client: Client, job: str) -> dict:
    """The job's last status, its progress said as it goes."""
    shown = []

    def say(status: dict) -> None:
        said = "waiting for the daemon" if status["state"] == "queued" else \
            f"learning the hand: step {status['step']} of {status['steps']}"
        if not shown or said != shown[-1]:
            print(f"\rinkscribe: {said}", end="", file=sys.stderr, flush=True)
            shown.append(said)

    status = client.learnt(job, say)
    if shown:
        print(file=sys.stderr)
    return status


def _list(args) -> int:
    hands = handfile.kept()
    if not hands:
        print(f"no hands learnt yet (they are kept in {handfile.folder()}); learn one with 'inkscribe hand learn'")
        return 0
    for name, path in hands.items():
        try:
            card = handfile.card(handfile.read(path), str(path))
            before, after = card.get("held_out_nll") or (None, None)
            gain = f", a held-out line {before - after:+.3f} nats a point likelier" if before is not None else ""
            print(f"{name}: learnt from {card.get('lines', '?')} lines in {card.get('seconds', '?')} s{gain}")
        except handfile.HandFileError as e:
            print(f"{name}: cannot be read ({e})")
    return 0


def _forget(args) -> int:
    hands = handfile.kept()
    if args.name not in hands:
        print(f"inkscribe: there is no hand “{args.name}” (learnt: {', '.join(hands) or 'none'})", file=sys.stderr)
        return 1
    hands[args.name].unlink()
    print(f"forgot the hand “{args.name}”")
    return 0


def _template(args) -> int:
    from inkscribe.model.page.svg import ruled_sheet

    out = Path(args.output)
    texts = out.with_suffix(".txt")
    out.write_text(ruled_sheet(TEMPLATE), encoding="utf-8")
    texts.write_text("\n".join(TEMPLATE) + "\n", encoding="utf-8")
    print(f"wrote {out} (write over it in Inkscape with a tablet, each line under its text) and "
          f"{texts}, what the lines say:\n  inkscribe hand learn YOUR-LINES.svg --text-file {texts} --name YOU")
    return 0


def add_commands(commands) -> None:
    h = commands.add_parser("hand", help="learn a person's own hand from a few lines they wrote",
                            description="Learn a hand from lines a person wrote, then write anything in it with "
                                        "'inkscribe write --hand NAME'.")
    verbs = h.add_subparsers(dest="verb", required=True, metavar="VERB")
    learn = verbs.add_parser("learn", help="learn a hand from written lines and what they say",
                             description="Learn a hand from SAMPLE files (an SVG of the lines drawn as strokes, with "
                                         "a tablet in Inkscape say, InkML, or a picture of them, which is traced) and "
                                         "a text file that says what each "
                                         "written line says, one line each, in reading order. The daemon learns it "
                                         "(about a minute); Ctrl+C cancels.")
    learn.add_argument("samples", nargs="+", metavar="SAMPLE")
    learn.add_argument("--text-file", required=True, metavar="FILE", help="what the lines say, one line each")
    learn.add_argument("--name", help=f"keep the hand under this name (in {handfile.folder()})")
    learn.add_argument("-o", "--output", metavar="FILE.hand", help="write the hand file here instead")
    learn.add_argument("--endpoint", help=endpoint_help())
    learn.add_argument("--timeout", type=TIMEOUT, default=300.0, help="seconds to wait for the daemon's answers")
    learn.set_defaults(run=_learn)
    verbs.add_parser("list", help="the hands learnt").set_defaults(run=_list)
    forget = verbs.add_parser("forget", help="forget a learnt hand")
    forget.add_argument("name")
    forget.set_defaults(run=_forget)
    template = verbs.add_parser("template", help="a ruled sheet of lines to copy, and what they say",
                                description="Write a ruled page of lines to copy (every small letter several times, "
                                            "common joins, digits and capitals) as SVG, and beside it a .txt of what "
                                            "they say, for 'hand learn --text-file'.")
    template.add_argument("-o", "--output", default="hand-template.svg", help="the sheet (default hand-template.svg)")
    template.set_defaults(run=_template)

