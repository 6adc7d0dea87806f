"""The commands that run and manage the daemon: `inkscribe daemon` (start, --detach,
--stop), `inkscribe keys`, and installing the Inkscape extension."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from inkscribe.model.config import ReaderConfig

from .. import protocol
from ..keys import KEYS_VARIABLE, default_keys, make_keys

# Seconds a daemon started on demand (by `inkscribe write` or the extension) waits for
# more work before it exits and gives its memory back.
AUTO_IDLE_EXIT_S = 900
# CPU threads for writing. One by default: a step of writing is many small products, which a
# second thread barely speeds, and OpenMP threads that wait on each other for a core another
# program holds made writing up to 100x slower on a busy two-core machine (measured: the
# warm-up line took 17-21 s instead of 0.2 s).
THREADS = 1
THREADS_HELP = (f"CPU threads for writing (default {THREADS}; more can speed long letters on an idle machine, "
                "and stall when other programs keep the cores busy)")


def endpoint_help() -> str:
    return (f"daemon address (default: ${protocol.ENDPOINT_VARIABLE}, else a socket in a folder of yours alone: "
            f"{_shown_endpoint()})")


def _serve(args) -> int:
    from ..client import Client

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
        return start_detached(args.endpoint, [a for a in sys.argv[1:] if a != "--detach"])

    import torch
    import zmq

    from inkscribe.model.net.checkpoint import load_model
    from inkscribe.model.critics.reader import load_reader
    from inkscribe.model.net.sampling import SampleConfig
    from inkscribe.model.write.writer import Task, Writer

    from ..frontend import claim
    from ..server import Daemon, ServerConfig

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
    writer = Writer(model, reader=None if args.reader == "none" else load_reader(Path(args.reader)))
    info = writer.about()
    if args.compile:
        _compile(writer)
    started = time.perf_counter()
    # The first write allocates what later ones reuse; one version of each word is enough for that.
    writer.write([Task(["The quick brown fox jumps over a lazy dog"], sample=SampleConfig(versions=1))])
    warm = time.perf_counter() - started
    card = info["model"]["card"]
    print(f"inkscribe daemon: model {args.checkpoint or 'shipped default'} "
          f"({info['model']['parameters'] / 1e6:.1f}M parameters"
          f"{', ' + card['data'] if card.get('data') else ''}) on {info['device']}\n"
          f"inkscribe daemon: warm-up line (40 characters) took {warm:.2f} s\n"
          f"inkscribe daemon: listening on {args.endpoint} (Ctrl+C stops)", flush=True)
    daemon = Daemon(writer, ServerConfig(endpoint=args.endpoint, allow_remote=args.allow_remote, keys=args.keys,
                                         idle_exit_s=args.idle_exit or None), info)
    daemon.serve(frontend=frontend)
    print("inkscribe daemon: stopped", flush=True)
    return 0


def _compile(writer) -> None:
    """The decoding step compiled before the daemon answers. Not on a thread while it answers:
    compiling takes the cores and Python's lock for seconds at a time, and lines written
    meanwhile took ten times as long (docs/performance.md)."""
    started = time.perf_counter()
    try:
        writer.compile()
    except Exception:   # no C++ compiler, a platform inductor lacks: writing stays as fast as it was
        print(f"inkscribe daemon: the decoding step could not be compiled; writing stays {writer.decoding}", flush=True)
        return
    print(f"inkscribe daemon: decoding step compiled in {time.perf_counter() - started:.0f} s", flush=True)


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
    from ..client import Client

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


def running(endpoint: str, timeout: float, checkpoint: str | None = None):
    """A client of the daemon at `endpoint`, started in the background if none answers (None,
    and why on stderr, where it could not be)."""
    from ..client import Client

    client = Client(endpoint, timeout=timeout)
    if not client.ping():
        print(f"inkscribe: no daemon answered at {client.endpoint}; starting one", file=sys.stderr)
        start = ["daemon", "--idle-exit", str(AUTO_IDLE_EXIT_S)] + (["--checkpoint", checkpoint] if checkpoint else [])
        if start_detached(client.endpoint, start) != 0:
            return None
    return client


def start_detached(endpoint: str, argv: list[str], wait: float = 180.0) -> int:
    """Start `inkscribe daemon` in the background and wait until it answers."""
    from ..client import Client

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


def _keys(args) -> int:
    make_keys(args.dir)
    folder = Path(args.dir)
    print(f"inkscribe: keys in {folder}:\n  daemon:  inkscribe daemon --allow-remote --keys {folder} ...\n"
          f"  clients: copy {folder / 'server.key'} and {folder / 'client.key_secret'} into a folder and set "
          f"{KEYS_VARIABLE} to it\n  keep the .key_secret files private")
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


def add_commands(commands) -> None:
    d = commands.add_parser("daemon", help="run the model server (loads the model once)",
                            description="Load the model and answer write requests over ZeroMQ "
                                        "(protocol: docs/protocol.md). Listens on this machine only "
                                        "unless --allow-remote is given. Ctrl+C or SIGTERM stops it.")
    d.add_argument("--endpoint", help=endpoint_help())
    d.add_argument("--checkpoint", default=os.environ.get("INKSCRIBE_CHECKPOINT"),
                   help="weights file or training checkpoint (default: $INKSCRIBE_CHECKPOINT or the shipped one)")
    d.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: GPU if present)")
    d.add_argument("--reader", default=ReaderConfig.path, metavar="WEIGHTS",
                   help="the stroke reader that picks the most legible of each word's versions (default: the "
                        "shipped one); none: one version of each word, as sampled")
    d.add_argument("--allow-remote", action="store_true",
                   help="allow listening on a non-loopback address (needs --keys)")
    d.add_argument("--keys", default=default_keys(), metavar="DIR",
                   help=f"CurveZMQ key folder from 'inkscribe keys': only clients holding a key get in "
                        f"(default: ${KEYS_VARIABLE})")
    d.add_argument("--threads", type=int, default=THREADS, help=THREADS_HELP)
    d.add_argument("--compile", action="store_true",
                   help="compile the decoding step before answering (a minute or so, and a C++ compiler), then "
                        "write lines faster; for a daemon that runs long")
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
