"""The `inkscribe` command: write, serve, train, evaluate and measure."""
import argparse
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from inkscribe.model.config import PathConfig

from . import protocol
from .keys import KEYS_VARIABLE, default_keys, make_keys

# Seconds a daemon started on demand (by `inkscribe write` or the extension) waits for
# more work before it exits and gives its memory back.
AUTO_IDLE_EXIT_S = 900
# CPU threads for writing. One by default: a step of writing is many small products, which a
# second thread barely speeds, and OpenMP threads that wait on each other for a core another
# program holds made writing up to 100x slower on a busy two-core machine (measured: the
# warm-up line took 17-21 s instead of 0.2 s).
THREADS = 1


def _serve(args) -> int:
    from .client import Client

    if args.stop:
        return _stop(args.endpoint, args.keys)
    try:
        protocol.check_endpoint(args.endpoint, args.allow_remote, args.keys)
    except ValueError as e:
        print(f"inkscribe: {e}", file=sys.stderr)
        return 1
    if Client(args.endpoint, keys=args.keys).ping(timeout=1.0):
        print(f"inkscribe: a daemon already answers at {args.endpoint}", file=sys.stderr)
        return 1
    if args.detach:   # before torch is imported: the background daemon imports it, not this process
        return _start_detached(args.endpoint, [a for a in sys.argv[1:] if a != "--detach"])

    import torch
    import zmq

    from inkscribe.model.checkpoint import load_model
    from inkscribe.model.config import ReaderConfig
    from inkscribe.model.reader import load_reader
    from inkscribe.model.sampling import SampleConfig
    from inkscribe.model.writer import Task, Writer

    from .server import Daemon, ServerConfig, claim, model_info

    try:   # before the model loads: of two daemons started at once, one holds the endpoint
        frontend = claim(args.endpoint, protocol.Limits(), args.keys)
    except ValueError as e:   # unreadable keys
        print(f"inkscribe: {e}", file=sys.stderr)
        return 1
    except OSError as e:   # an ipc socket's lock file that another user made
        print(f"inkscribe: cannot listen at {args.endpoint}: {e.filename or ''} {e.strerror}; choose an endpoint "
              f"in a folder of your own with --endpoint", file=sys.stderr)
        return 1
    except zmq.ZMQError as e:
        other = Client(args.endpoint, keys=args.keys)
        holder = other.info()["pid"] if other.ping(timeout=5.0) else None
        print(f"inkscribe: {args.endpoint} is held by " + (f"another inkscribe daemon (pid {holder})" if holder
              else f"another program, or an inkscribe daemon still loading its model ({e.strerror})"),
              file=sys.stderr)
        return 1
    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint, args.device)
    device = next(model.parameters()).device
    info = model_info(model, device)
    writer = Writer(model, reader=load_reader(Path(ReaderConfig.path)))
    started = time.perf_counter()
    # The first write allocates what later ones reuse; one version of each word is enough for that.
    writer.write([Task(["The quick brown fox jumps over a lazy dog"], sample=SampleConfig(versions=1))])
    warm = time.perf_counter() - started
    card = info["model"]["card"]
    print(f"inkscribe daemon: model {args.checkpoint or 'shipped default'} "
          f"({info['model']['parameters'] / 1e6:.1f}M parameters"
          f"{', ' + card['data'] if card.get('data') else ''}) on {device}\n"
          f"inkscribe daemon: warm-up line (40 characters) took {warm:.2f} s\n"
          f"inkscribe daemon: listening on {args.endpoint} (Ctrl+C stops)", flush=True)
    daemon = Daemon(writer, ServerConfig(endpoint=args.endpoint, allow_remote=args.allow_remote, keys=args.keys,
                                         idle_exit_s=args.idle_exit or None), info)
    daemon.serve(frontend=frontend)
    print("inkscribe daemon: stopped", flush=True)
    return 0


def _our_daemon(pid) -> str | None:
    """Why `pid` is not an inkscribe daemon of this user's, or None. Whatever answers at an
    endpoint names the pid: on loopback TCP that could be anyone's program."""
    if not isinstance(pid, int) or pid <= 0:
        return "it did not give a process id"
    process = Path(f"/proc/{pid}")
    try:
        owner = process.stat().st_uid
        command = (process / "cmdline").read_bytes().decode(errors="replace").split("\0")
    except FileNotFoundError:
        return "no such process runs here"
    except OSError as e:
        return f"its process cannot be looked at ({e.strerror}); stop it yourself if it is yours"
    if owner != os.getuid():
        return "that process is another user's"
    if not any("inkscribe" in part for part in command) or "daemon" not in command:
        return f"that process is not an inkscribe daemon ({' '.join(command)[:80]})"
    return None


def _stop(endpoint: str, keys: str | None = None, wait: float = 30.0) -> int:
    """End the daemon at `endpoint`: it finishes the batch in hand and refuses the rest."""
    from .client import Client

    client = Client(endpoint, keys=keys)
    if not client.ping(timeout=1.0):
        print(f"inkscribe: no daemon answers at {endpoint}", file=sys.stderr)
        return 1
    pid = client.info().get("pid")
    problem = _our_daemon(pid) if Path("/proc/self").exists() else None
    if problem:
        print(f"inkscribe: not stopping what answers at {endpoint} (pid {pid}): {problem}", file=sys.stderr)
        return 1
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError as e:  # another user's, or on another machine
        print(f"inkscribe: cannot stop the daemon at {endpoint} (pid {pid}): {e.strerror}", file=sys.stderr)
        return 1
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not client.ping(timeout=0.5):
            print(f"inkscribe: stopped the daemon at {endpoint} (pid {pid})", file=sys.stderr)
            return 0
    print(f"inkscribe: the daemon at {endpoint} (pid {pid}) is still finishing after {wait:.0f} s", file=sys.stderr)
    return 1


def _log_path() -> Path:
    return protocol.private_folder() / "daemon.log"


def _shown_endpoint() -> str:
    try:
        return protocol.default_endpoint()
    except protocol.UnsafeFolder as e:
        return f"none: {e}"


def _start_detached(endpoint: str, argv: list[str], wait: float = 180.0) -> int:
    """Start `inkscribe daemon` in the background and wait until it answers."""
    from .client import Client

    log = _log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    if "--endpoint" not in argv:
        argv = [*argv, "--endpoint", endpoint]
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "inkscribe.daemon.cli", *argv], stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    client = Client(endpoint)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if client.ping(timeout=1.0):   # another started first and holds the endpoint: use it
                print(f"inkscribe: a daemon started by another command answers at {endpoint}", file=sys.stderr)
                return 0
            print(f"inkscribe: the daemon exited with status {process.returncode}; see {log}", file=sys.stderr)
            return 1
        if client.ping(timeout=1.0):
            print(f"inkscribe: daemon started in the background (pid {process.pid}, log {log}), "
                  f"listening on {endpoint}", file=sys.stderr)
            return 0
        time.sleep(0.05)   # a refused ping comes back at once: do not spin while the daemon loads
    print(f"inkscribe: the daemon did not answer within {wait:.0f} s; see {log}", file=sys.stderr)
    return 1


def _read_text(args) -> list[str]:
    if args.text is not None:
        text = args.text
    elif args.file and args.file != "-":
        text = Path(args.file).read_text(encoding="utf-8")
    else:
        text = sys.stdin.read()
    return text.rstrip("\n").split("\n")


def _unwritable(output: str) -> str | None:
    """Why `output` cannot be written, or None."""
    if output == "-":
        return None
    path = Path(output)
    if path.is_dir():
        return "it is a folder"
    if path.exists() and not path.is_file():
        return "it is not a regular file (a pipe, device or socket); give a file, or -o - for standard output"
    if not path.parent.is_dir():
        return f"there is no folder {path.parent}"
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return "permission denied"
    return None


def _write_atomically(path: Path, text: str) -> None:
    """Write beside `path`, then rename over it: a failure part-way leaves the old file whole.
    A symbolic link is written through: its target gets the new text, and the link stays."""
    path = Path(os.path.realpath(path))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _style(paths: list[str]) -> tuple[list[str], list, list]:
    """--style files as (pictures, drawn strokes, drawn outlines): an SVG file is read as
    handwriting drawn in it (every path), an InkML file (.inkml) as its traces, anything
    else is sent as a picture."""
    from .pictures import READ_BYTES

    pictures, strokes, outlines = [], [], []
    for path in paths:
        try:   # checked before it is opened: a pipe or a device would hang or never end
            status = os.stat(path)
        except OSError as e:
            raise ValueError(f"cannot read {path}: {e.strerror}") from None
        if not stat.S_ISREG(status.st_mode):
            raise ValueError(f"{path} is not a regular file; --style takes pictures, SVG or InkML files")
        if status.st_size > READ_BYTES:
            raise ValueError(f"{path} is over {READ_BYTES // 2**20} MiB; a style needs only a few lines of handwriting")
        if Path(path).suffix.lower() == ".inkml":
            from inkscribe.model.inkml import MAX_BYTES, read_inkml

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
            from inkscribe.extension.inkscribe_drawn import drawn_paths, strokes_of
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
    from inkscribe.model.svg import standalone_svg

    from .client import Client, DaemonError, DaemonUnavailable
    from .letter import LetterConfig, write_letter

    letter = LetterConfig(page=args.page or "A5", margin=args.margin, size=args.size, line_spacing=args.line_spacing,
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
        problem = next(filter(None, map(_unwritable, targets)), None)
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
        pictures, strokes, outlines = _style(args.style)
    except ValueError as e:
        print(f"inkscribe: {e}", file=sys.stderr)
        return 1
    client = Client(args.endpoint, timeout=args.timeout)
    if not client.ping():
        print(f"inkscribe: no daemon answered at {client.endpoint}; starting one", file=sys.stderr)
        start = ["daemon", "--idle-exit", str(AUTO_IDLE_EXIT_S)] + (["--checkpoint", args.checkpoint]
                                                                    if args.checkpoint else [])
        if _start_detached(client.endpoint, start) != 0:
            return 1
    writing = dict(style_images=pictures, style_strokes=strokes, style_outlines=outlines,
                   style_strength=args.style_strength, temperature=args.temperature, bias=args.bias,
                   smoothing=args.smoothing, versions=args.versions)
    for n, row in enumerate(rows, 1):
        # Each row its own seed: letters from one template do not repeat each other's strokes.
        seed = None if args.seed is None else args.seed + n - 1
        filled = text if row is None else text.format_map(row)
        try:
            if args.page:
                written = write_letter(client, filled, letter, seed, **writing)
                documents, seconds = [written.book] if args.one_document else written.pages, written.seconds
                if args.plotter:
                    print(f"inkscribe: pen-up travel inside lines {written.pen_up_mm[1]:.0f} mm "
                          f"(as written {written.pen_up_mm[0]:.0f} mm)", file=sys.stderr)
            else:
                reply = client.write(filled.split("\n"), seed=seed, font_size=args.size, **writing)
                cfg = PathConfig(font_size=args.size, line_spacing=args.line_spacing, stroke_width=args.stroke_width,
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
        for target, document in zip(targets, documents):
            _write_atomically(target, document)
    except OSError as e:
        print(f"inkscribe: cannot write {e.filename or output}: {e.strerror or e}; it is left as it was",
              file=sys.stderr)
        return None
    return targets


def _csv_rows(path: str, template: str) -> list[dict]:
    """The rows of a CSV file, checked against the {column} names the template uses."""
    import csv
    import string

    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path} has no rows under its header line")
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as e:
        raise ValueError(f"the template's braces are off ({e}); write {{{{ and }}}} for a brace itself") from None
    missing = sorted(used - set(rows[0]))
    if missing:
        raise ValueError(f"the template uses {', '.join('{' + m + '}' for m in missing)}, which {path} has no "
                         f"column for (its columns: {', '.join(rows[0])})")
    for n, row in enumerate(rows, 1):
        empty = sorted(name for name in used if row.get(name) is None)
        if empty:   # a short row: DictReader fills it with None, which would be written as "None"
            raise ValueError(f"row {n} of {path} has no value for {', '.join('{' + e + '}' for e in empty)} "
                             f"(it has fewer fields than the header)")
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
    import string

    if "{" in output:
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(output) if name is not None}
        except ValueError as e:
            raise ValueError(f"-o {output}: its braces are off ({e})") from None
        missing = sorted(used - set(rows[0]) - {"n"})
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


# Training options that a resumed run takes from its checkpoint unless given again.
RUN_OPTIONS = ("preset", "steps", "time_limit", "extra_words", "batch_points", "lr", "warmup", "eval_every", "words",
               "rare_words", "prompts", "prompt_points")


def _train(args) -> int:
    from dataclasses import replace

    from inkscribe.model.config import TrainConfig
    from inkscribe.model.train import saved_config, train

    saved = saved_config(args.out) if args.resume else {}
    given = {k: getattr(args, k) for k in RUN_OPTIONS if getattr(args, k, None) is not None}
    options = {**{k: v for k, v in saved.items() if k in RUN_OPTIONS}, **given}
    cfg = replace(TrainConfig(), **options, out_dir=args.out, device=args.device, init=args.init, data=_data(args))
    train(cfg, resume=args.resume)
    return 0


def _eval(args) -> int:
    from inkscribe.model.checkpoint import load_model
    from inkscribe.model.config import EvalConfig
    from inkscribe.model.evaluate import evaluate

    cfg = EvalConfig(out_dir=args.out, lines=args.lines, writers=args.writers, hands_dir=args.hands,
                     seeds=tuple(args.seeds), data=_data(args))
    figures = evaluate(load_model(args.checkpoint, args.device), cfg, name=args.name or args.checkpoint or "shipped")
    print((Path(args.out) / "report.md").read_text())
    return 0 if figures else 1


def _keys(args) -> int:
    make_keys(args.dir)
    folder = Path(args.dir)
    print(f"inkscribe: keys in {folder}:\n  daemon:  inkscribe daemon --allow-remote --keys {folder} ...\n"
          f"  clients: copy {folder / 'server.key'} and {folder / 'client.key_secret'} into a folder and set "
          f"{KEYS_VARIABLE} to it\n  keep the .key_secret files private")
    return 0


def _train_and_save(args, cfg, train, save, data: str, figure: str, says: str) -> int:
    """Trains and saves one of the networks kept apart from the model (the judge, the reader)."""
    from inkscribe.model import iamondb

    lines = iamondb.load(_data(args))
    network, score = train(lines["train"], lines["valid"], cfg)
    save(network, Path(args.out), {"data": data + " (non-commercial research licence of IAM-OnDB)",
                                   "steps": cfg.steps, figure: score})
    print(f"wrote {args.out}: {says} {score:.3f}")
    return 0


def _judge(args) -> int:
    from inkscribe.model.config import JudgeConfig
    from inkscribe.model.judge import save_judge, train_judge

    cfg = JudgeConfig(steps=args.steps)
    return _train_and_save(args, cfg, train_judge, save_judge, "IAM-OnDB trainset lines, for eval only",
                          "valid_retrieval", f"top-1 retrieval of real lines among {cfg.writers} validation writers")


def _reader(args) -> int:
    from inkscribe.model.config import ReaderConfig
    from inkscribe.model.reader import save_reader, train_reader

    cfg = ReaderConfig(steps=args.steps)
    return _train_and_save(args, cfg, train_reader, save_reader, "words cut from IAM-OnDB trainset lines",
                          "valid_word_cer", f"CER on {cfg.valid_words} validation words")


def _distil(args) -> int:
    from inkscribe.model import iamondb
    from inkscribe.model.checkpoint import load_model
    from inkscribe.model.config import DistilConfig, ReaderConfig
    from inkscribe.model.distil import chosen_words
    from inkscribe.model.reader import load_reader

    reader = load_reader(Path(ReaderConfig.path))
    if reader is None:
        print(f"inkscribe: distil needs the stroke reader ({ReaderConfig.path}); `inkscribe reader` trains it",
              file=sys.stderr)
        return 1
    cfg = DistilConfig(words=args.words, bias=args.bias, strength=args.strength)
    kept = chosen_words(load_model(args.checkpoint, "cpu"), reader, iamondb.load(_data(args))["train"], cfg)
    iamondb.save_lines(Path(args.out), {"train": kept})
    print(f"wrote {args.out}: {len(kept)} of {cfg.words} words, each the best of {cfg.versions} versions "
          f"(misreading at most {cfg.max_misreading:g} nats per letter); train on them with --extra-words")
    return 0


def _export(args) -> int:
    from inkscribe.model.train import ship

    ship(args.checkpoint, args.output, {"data": args.data_note, "licence": args.licence, "ink_scale": args.ink_scale})
    print(f"wrote {args.output}")
    return 0


def _bench(args) -> int:
    from inkscribe.model.benchmark import main as bench

    bench(args.presets, args.train_steps, args.device, args.threads)
    return 0


def _bench_daemon(args) -> int:
    from .benchmark import main as bench

    from .client import Client

    if not Client(args.endpoint).ping():
        print(f"inkscribe: no daemon answers at {args.endpoint}; start one with 'inkscribe daemon'", file=sys.stderr)
        return 1
    bench(args.endpoint, args.requests, args.heaviest)
    return 0


def _install_extension(args) -> int:
    from inkscribe.install.extension import install

    target = install(Path(args.dir) if args.dir else None)
    print(f"installed the Inkscape extension into {target}\n"
          f"restart Inkscape, then use Extensions > Text > Handwriting...")
    return 0


def _uninstall_extension(args) -> int:
    from inkscribe.install.extension import uninstall

    removed = uninstall(Path(args.dir) if args.dir else None)
    print(f"removed {removed}" if removed else "the extension was not installed there")
    return 0


def _data_options(parser: argparse.ArgumentParser) -> None:
    from inkscribe.model.config import DataConfig
    parser.add_argument("--data", default=DataConfig.root, help="IAM-OnDB folder in its official layout")
    parser.add_argument("--cache", default=DataConfig.cache_dir, help="where the preprocessed data is cached")


def _data(args):
    from inkscribe.model.config import DataConfig
    return DataConfig(root=args.data, cache_dir=args.cache)


def _trained_apart(commands, name: str, help: str, description: str, cfg, user: str, run) -> None:
    """A command that trains one of the small networks kept apart from the handwriting model."""
    p = commands.add_parser(name, help=help, description=description)
    p.add_argument("--out", default=cfg.path, help=f"where to save it (default: the one {user})")
    p.add_argument("--steps", type=int, default=cfg.steps, help="training steps")
    _data_options(p)
    p.set_defaults(run=run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inkscribe",
        description="Turn text into realistic single-line handwriting (SVG pen strokes).",
        epilog="Run 'inkscribe COMMAND --help' for the options of one command.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    threads_help = (f"CPU threads for writing (default {THREADS}; more can speed long letters on an idle machine, "
                    "and stall when other programs keep the cores busy)")
    endpoint_help = (f"daemon address (default: ${protocol.ENDPOINT_VARIABLE}, else a socket in a folder of yours "
                     f"alone: {_shown_endpoint()})")

    w = commands.add_parser("write", help="write text as handwriting into an SVG file",
                            description="Write text as handwriting, one SVG path per pen stroke. Uses the "
                                        "running daemon, or starts one in the background if none answers.")
    w.add_argument("text", nargs="?", help="the text; newlines separate lines (default: --file or stdin)")
    w.add_argument("-f", "--file", help="read the text from this file ('-' for stdin), one line per line")
    w.add_argument("-o", "--output", default="-", help="SVG file to write (default: stdout)")
    w.add_argument("--csv", metavar="FILE",
                   help="write the text (a template) once per row of this CSV file, its {column} names filled "
                        "in from the row; -o names each file, e.g. letters/{name}.svg (else OUTPUT-1.svg, ...)")
    w.add_argument("--style", nargs="+", default=[], metavar="FILE",
                   help="pictures (PNG/JPEG) of the handwriting to imitate, SVG files of it drawn as "
                        "strokes (e.g. with a tablet in Inkscape), or InkML files (.inkml) a tablet or note app exports")
    w.add_argument("--style-strength", type=float,
                   help=f"with --style: above 1 looks more like the writer and reads less easily, 0-3 "
                        f"(default {protocol.WriteRequest.style_strength:g})")
    w.add_argument("--temperature", type=float,
                   help=f"randomness, 0.05-3 (default {protocol.WriteRequest.temperature})")
    w.add_argument("--bias", type=float,
                   help=f"legibility, 0-5: higher is neater and plainer (default {protocol.WriteRequest.bias})")
    w.add_argument("--seed", type=int, help="the same seed writes the same strokes again")
    w.add_argument("--versions", type=int,
                   help=f"versions of each word to write, keeping the most legible, 1-8: more reads better and "
                        f"takes longer (default {protocol.WriteRequest.versions})")
    w.add_argument("--smoothing", type=int,
                   help=f"passes of a filter over the points where the pen turns gently, 0-10; corners and ends "
                        f"stay put (default {protocol.WriteRequest.smoothing}: the strokes as written)")
    w.add_argument("--size", type=float, default=protocol.WriteRequest.font_size,
                   help=f"font size in px the writing matches (default {protocol.WriteRequest.font_size:g})")
    w.add_argument("--line-spacing", type=float, default=PathConfig.line_spacing,
                   help=f"baseline to baseline, in font sizes (default {PathConfig.line_spacing:g})")
    w.add_argument("--stroke-width", type=float, help="pen width in px (default: size / 16)")
    w.add_argument("--page", metavar="SIZE",
                   help="lay the text out as a letter on pages of this size: A5, A4, letter or WxH in mm; "
                        "long lines are broken by the written words' width, and further pages go to "
                        "OUTPUT-2.svg, OUTPUT-3.svg... (or see --one-document); one path per stroke, in mm, "
                        "no transforms")
    w.add_argument("--one-document", action="store_true",
                   help="with --page: all pages in one multi-page document, as Inkscape 1.2 and later open it, "
                        "each page a layer")
    w.add_argument("--margin", type=float, default=15.0, help="with --page: margin in mm (default 15)")
    w.add_argument("--variation", type=float, default=0.0, metavar="V",
                   help="with --page: from 0 (default) to 1, lines stray as a hand's do on an unruled page: "
                        "the left margin wanders inwards, baselines drift and tilt slightly")
    w.add_argument("--plotter", action="store_true",
                   help="with --page: polylines instead of curves, each line's strokes ordered for the "
                        "shortest pen-up travel (the saving is reported)")
    w.add_argument("--tolerance", type=float, default=0.05,
                   help="with --plotter: how far in mm a polyline may stray from the stroke (default 0.05)")
    w.add_argument("--colour", default="#000000", help="pen colour (default black)")
    w.add_argument("--endpoint", help=endpoint_help)
    w.add_argument("--checkpoint", help="weights for a daemon this command starts (default: shipped)")
    w.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the daemon's answer")
    w.set_defaults(run=_write)

    d = commands.add_parser("daemon", help="run the model server (loads the model once)",
                            description="Load the model and answer write requests over ZeroMQ "
                                        "(protocol: docs/protocol.md). Listens on this machine only "
                                        "unless --allow-remote is given. Ctrl+C or SIGTERM stops it.")
    d.add_argument("--endpoint", help=endpoint_help)
    d.add_argument("--checkpoint", default=os.environ.get("INKSCRIBE_CHECKPOINT"),
                   help="weights file or training checkpoint (default: $INKSCRIBE_CHECKPOINT or the shipped one)")
    d.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: GPU if present)")
    d.add_argument("--allow-remote", action="store_true",
                   help="allow listening on a non-loopback address (needs --keys)")
    d.add_argument("--keys", default=default_keys(), metavar="DIR",
                   help=f"CurveZMQ key folder from 'inkscribe keys': only clients holding a key get in "
                        f"(default: ${KEYS_VARIABLE})")
    d.add_argument("--threads", type=int, default=THREADS, help=threads_help)
    d.add_argument("--detach", action="store_true", help="run in the background; log in the runtime folder")
    d.add_argument("--idle-exit", type=float, default=0, metavar="SECONDS",
                   help="exit after this long without a write (default 0: never; a daemon that "
                        f"'inkscribe write' or the extension starts exits after {AUTO_IDLE_EXIT_S} s)")
    d.add_argument("--stop", action="store_true", help="stop the daemon running at --endpoint, and exit")
    d.set_defaults(run=_serve)

    k = commands.add_parser("keys", help="make CurveZMQ keys for a daemon that listens beyond this machine",
                            description="Make a server key pair and a client key pair in DIR, the client "
                                        "let in. The daemon takes --keys DIR; a client needs server.key and "
                                        f"client.key_secret in its own folder, named by ${KEYS_VARIABLE} "
                                        "(or --keys). More clients: put their public .key files in DIR/clients.")
    k.add_argument("dir", help="folder for the keys (made if missing; existing keys are kept)")
    k.set_defaults(run=_keys)

    for name, run, verb in [("install-extension", _install_extension, "install the Inkscape extension"),
                            ("uninstall-extension", _uninstall_extension, "remove the Inkscape extension")]:
        e = commands.add_parser(name, help=verb, description=f"{verb.capitalize()} (Extensions > Text > "
                                                             "Handwriting...) for this user.")
        e.add_argument("--dir", help="Inkscape extensions folder (default: asks Inkscape, or the usual place)")
        e.set_defaults(run=run)

    from inkscribe.model.config import DistilConfig, TrainConfig
    defaults = TrainConfig()
    t = commands.add_parser("train", help="train a model on IAM-OnDB (resumable)",
                            description="Train the handwriting model on IAM-OnDB. Writes checkpoint.pt, "
                                        "log.csv, loss.png and sample sheets into --out. Also runs "
                                        "under torchrun for several GPUs or hosts.")
    t.add_argument("--preset", help=f"network size: default, large or tiny (default {defaults.preset})")
    _data_options(t)
    t.add_argument("--out", default=defaults.out_dir, help="run folder for checkpoints, logs and samples")
    t.add_argument("--steps", type=int, help=f"total optimizer steps (default {defaults.steps})")
    t.add_argument("--time-limit", type=float, metavar="SECONDS",
                   help="end early and save after this much training time; the learning rate decays to it")
    t.add_argument("--batch-points", type=int, help=f"padded points per batch (default {defaults.batch_points})")
    t.add_argument("--lr", type=float, help=f"peak learning rate (default {defaults.lr:g})")
    t.add_argument("--warmup", type=int, help=f"steps of learning-rate warm-up (default {defaults.warmup})")
    t.add_argument("--init", metavar="WEIGHTS",
                   help="start a new run from these weights (a checkpoint or a shipped file, e.g. the default)")
    t.add_argument("--extra-words", metavar="FILE",
                   help="also train on the words in this file, as `inkscribe distil` writes them")
    t.add_argument("--lines-only", dest="words", action="store_const", const=False,
                   help="train on whole lines only, not on words cut from them")
    t.add_argument("--rare-words", type=int, metavar="N",
                   help=f"train words holding a capital or digit N times per epoch (default {defaults.rare_words})")
    t.add_argument("--prompts", type=float, metavar="SHARE",
                   help="share of samples prefixed by a prompt of their writer's strokes (default "
                        f"{defaults.prompts:g}; writing in a user's hand from their strokes needs it above 0)")
    t.add_argument("--prompt-points", type=int, metavar="N",
                   help=f"longest prompt, in points (default {defaults.prompt_points})")
    t.add_argument("--eval-every", type=int,
                   help=f"steps between validation, checkpoint and sample sheet (default {defaults.eval_every})")
    t.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: GPU if present)")
    t.add_argument("--resume", action="store_true",
                   help="continue the run in --out where it stopped, with the options it was started with "
                        "(any given again override them)")
    t.set_defaults(run=_train)

    ds = DistilConfig()
    di = commands.add_parser("distil", help="write training words in their writers' styles, keeping the most "
                                            "legible version of each",
                             description="Expert iteration: the model writes words cut from the training lines "
                                         "in their own writer's style, a few versions each, and keeps the version "
                                         "the stroke reader reads best (where it reads it almost without fault). "
                                         "Train on them beside the real data with train --extra-words.")
    di.add_argument("--checkpoint", help="weights that write them (default: shipped)")
    di.add_argument("--out", default="runs/distil.npz", help="file for the words (default runs/distil.npz)")
    di.add_argument("--words", type=int, default=ds.words, help=f"words to write (default {ds.words})")
    di.add_argument("--bias", type=float, default=ds.bias,
                    help=f"sampling bias: low keeps them varied (default {ds.bias:g})")
    di.add_argument("--strength", type=float, default=ds.strength,
                    help=f"style strength the words are written at: above 1 holds the writers' styles "
                         f"(default {ds.strength:g})")
    _data_options(di)
    di.set_defaults(run=_distil)

    x = commands.add_parser("export", help="turn a training checkpoint into a small weights file",
                            description="Write a training checkpoint's weights in half precision with a "
                                        "model card, as shipped in model/weights/; use it with --checkpoint.")
    x.add_argument("checkpoint", help="checkpoint.pt from a training run")
    x.add_argument("-o", "--output", required=True, help="weights file to write")
    x.add_argument("--data-note", default="IAM-OnDB (trainset + testset_f)", help="what it was trained on")
    x.add_argument("--ink-scale", type=float, default=1.0,
                   help="size every written word is scaled by (free-running, a model writes smaller than "
                        "the data; eval's 'ink height, model / real' ratio R on unscaled weights gives 1/R)")
    x.add_argument("--licence", default="non-commercial research use only (inherited from IAM-OnDB)",
                   help="the weights' licence")
    x.set_defaults(run=_export)

    from inkscribe.model.config import EvalConfig, JudgeConfig, ReaderConfig
    ev = EvalConfig()
    e = commands.add_parser("eval", help="measure quality on IAM-OnDB validation writers",
                            description="Write validation texts in their writers' styles and measure: "
                                        "held-out likelihood, legibility by tesseract and an IAM-trained recogniser (install/easyhtr.sh) beside the real lines, read from the path data a user gets, "
                                        "completeness, likeness to the reference writer, speed. Writes "
                                        "report.md and samples.png into --out.")
    e.add_argument("--checkpoint", help="weights or training checkpoint (default: shipped)")
    e.add_argument("--name", help="what to call the model in the report")
    e.add_argument("--out", default=ev.out_dir, help="folder for report.md and samples.png")
    e.add_argument("--lines", type=int, default=ev.lines, help="validation lines read back by both judges")
    e.add_argument("--writers", type=int, default=ev.writers, help="validation writers for the style measures")
    e.add_argument("--seeds", type=int, nargs="+", default=list(ev.seeds),
                   help="sampling seeds; figures that depend on sampling are averaged over them")
    _data_options(e)
    e.add_argument("--device", help="cpu, cuda ... (default: GPU if present)")
    e.add_argument("--hands", metavar="DIR", help="also write the extension's built-in hands (PNG) into DIR")
    e.set_defaults(run=_eval)

    _trained_apart(commands, "judge", "train the independent style judge that eval measures likeness with",
                   "Train a writer-identification encoder on IAM-OnDB's training lines, apart from the "
                   "handwriting model, for eval to judge style likeness.", JudgeConfig(), "eval uses", _judge)
    _trained_apart(commands, "reader", "train the stroke reader the writer picks each word's most legible "
                                       "version with",
                   "Train a small online handwriting recogniser on words cut from IAM-OnDB's training lines; the "
                   "writer writes a few versions of each word and keeps the one it reads best.", ReaderConfig(),
                   "the daemon loads", _reader)

    b = commands.add_parser("bench", help="measure training and sampling speed and memory",
                            description="Print training points/s, sampling seconds per 40-character line "
                                        "(batch 1 and 8), and peak memory, for each preset.")
    b.add_argument("presets", nargs="*", default=["default", "large"], help="presets to measure")
    b.add_argument("--train-steps", type=int, default=3, help="training steps to time per preset")
    b.add_argument("--device", help="cpu, cuda ... (default: GPU if present)")
    b.add_argument("--threads", type=int, default=THREADS, help=threads_help)
    b.set_defaults(run=_bench)

    bd = commands.add_parser("bench-daemon", help="measure a running daemon: overhead, lines/s, memory",
                             description="Against a running daemon, print the ping round trip, seconds "
                                         "per 40-character line and lines/s at 1, 4 and 8 concurrent "
                                         "clients, and the daemon's peak resident memory.")
    bd.add_argument("--endpoint", help=endpoint_help)
    bd.add_argument("--requests", type=int, default=3, help="one-line requests per client")
    bd.add_argument("--heaviest", action="store_true",
                    help="also time the largest request the limits allow (minutes) and the memory it takes")
    bd.set_defaults(run=_bench_daemon)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if hasattr(args, "endpoint") and args.endpoint is None:
        try:
            args.endpoint = protocol.default_endpoint()
        except protocol.UnsafeFolder as e:
            print(f"inkscribe: {e}", file=sys.stderr)
            return 1
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
