"""Daemon figures: request overhead, whole `inkscribe write` processes, seconds per line,
lines/s under concurrent clients, memory, and the heaviest request the limits allow; and
the speed issue's figures against daemons this benchmark starts itself."""
import contextlib
import io
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from inkscribe.model.evaluation.benchmark_texts import LINE, PARAGRAPH

from .. import protocol
from ..client import Client
from .speed_goals import SpeedGoals


def ping_round_trip(client: Client, n: int = 200) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        client.ping()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def whole_processes(calls: list[tuple[str, tuple[str, ...]]], lines: list[str], runs: int = 7) -> list[float]:
    """Median seconds of whole `inkscribe write` processes writing `lines` into an SVG file,
    as a script that writes one file per call pays them, for each (daemon endpoint, the
    command's options) in `calls`. The calls take turns run by run, so that a load that
    comes and goes falls on all of them alike."""
    command = Path(sys.executable).with_name("inkscribe")
    command = [str(command)] if command.exists() else [sys.executable, "-m", "inkscribe.daemon.cli"]
    times = [[] for _ in calls]
    with tempfile.TemporaryDirectory() as folder:
        text = Path(folder, "text.txt")
        text.write_text("\n".join(lines), encoding="utf-8")
        for k in range(runs):
            for (endpoint, options), taken in zip(calls, times):
                started = time.perf_counter()
                subprocess.run([*command, "write", "--file", str(text), "-o", str(Path(folder, "out.svg")),
                                "--endpoint", endpoint, "--seed", str(k), *options], check=True, capture_output=True)
                taken.append(time.perf_counter() - started)
    return [statistics.median(t) for t in times]


def lines_per_second(endpoint: str, clients: int, requests: int) -> tuple[float, float]:
    """(lines/s, mean seconds per request) with `clients` threads each writing `requests` lines."""
    latencies = []

    def one(i):
        client = Client(endpoint, timeout=600)
        for k in range(requests):
            started = time.perf_counter()
            client.write(LINE, seed=1000 * i + k)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clients * requests / (time.perf_counter() - started), statistics.mean(latencies)


def _blank_picture() -> bytes:
    """A picture at the pixel limit, blank: small to send, as large as allowed to decode."""
    from PIL import Image

    side = int(protocol.Limits().image_pixels ** 0.5)
    buffer = io.BytesIO()
    Image.new("L", (side, side), 255).save(buffer, "PNG")
    return buffer.getvalue()


def heaviest_request(client: Client) -> tuple[float, float]:
    """Seconds for the largest requests within the limits: as many pictures as allowed, each
    at the pixel limit (sent as they are, not shrunk as the client would; blank, so refused
    once decoded); and every line as long as allowed."""
    limits = protocol.Limits()
    text = ["handwriting " * (limits.line_chars // 12)] * limits.lines
    started = time.perf_counter()
    try:
        client.request(protocol.write_message(text, [_blank_picture()] * limits.images), retries=0)
    except Exception as refused:   # blank pictures hold no writing: decoded, measured, refused
        print(f"  pictures: {refused}"[:120])
    pictures = time.perf_counter() - started
    started = time.perf_counter()
    client.write(text, seed=1)
    return pictures, time.perf_counter() - started


def many_connections(endpoint: str, connections: int = 40) -> tuple[float, int]:
    """(the slowest ping, in s, and how many were refused as busy) while `connections` clients
    at once each send a write with four pictures at the pixel limit."""
    import json

    import zmq

    payload = protocol.write_message(["x"], [_blank_picture()] * 4)
    sockets = []
    for _ in range(connections):
        socket = zmq.Context.instance().socket(zmq.REQ)
        socket.setsockopt(zmq.LINGER, 0)
        socket.connect(endpoint)
        socket.send(payload)
        sockets.append(socket)
    slowest, client = 0.0, Client(endpoint)
    while any(s.poll(0) == 0 for s in sockets):
        started = time.perf_counter()
        client.ping(timeout=30)
        slowest = max(slowest, time.perf_counter() - started)
        time.sleep(0.05)
    replies = [json.loads(s.recv()) for s in sockets]
    for s in sockets:
        s.close()
    return slowest, sum(not r["ok"] and r["error"]["code"] == protocol.BUSY for r in replies)


def main(endpoint: str, requests: int = 3, heaviest: bool = False) -> None:
    client = Client(endpoint, timeout=600)
    info = client.info()
    print(f"daemon at {endpoint}: {info['model']['parameters'] / 1e6:.1f}M parameters on {info['device']}")
    print(f"ping round trip (median of 200): {ping_round_trip(client) * 1000:.2f} ms")
    # Whole processes, the way a script calls the command: its own cost apart (one letter),
    # then a line and a paragraph of ten.
    for what, lines in (("one letter", ["a"]), (f"a {len(LINE)}-character line", [LINE]),
                        ("a 10-line paragraph", PARAGRAPH)):
        print(f"inkscribe write, {what}, whole process (median of 7): {whole_processes([(endpoint, ())], lines)[0]:.3f} s")
    print(f"{'clients':>7} {'lines/s':>8} {'s/request':>10}")
    for clients in (1, 4, 8):
        rate, latency = lines_per_second(endpoint, clients, requests)
        print(f"{clients:7d} {rate:8.2f} {latency:10.2f}")
    print(f"daemon peak resident memory: {client.info()['peak_rss_mb']:.0f} MiB")
    slowest, busy = many_connections(endpoint)
    print(f"40 connections at once, each 4 pictures of {protocol.Limits().image_pixels / 1e6:.0f} MP: slowest ping "
          f"{slowest:.2f} s, {busy} refused as busy; daemon peak resident memory {client.info()['peak_rss_mb']:.0f} MiB")
    if heaviest:
        pictures, lines = heaviest_request(client)
        limits = protocol.Limits()
        print(f"heaviest request: {limits.images} pictures of {limits.image_pixels / 1e6:.0f} MP in {pictures:.1f} s; "
              f"{limits.lines} lines of {limits.line_chars} characters in {lines:.1f} s; "
              f"daemon peak resident memory {client.info()['peak_rss_mb']:.0f} MiB")


@contextlib.contextmanager
def daemon_started(folder: str, name: str, options: tuple[str, ...] = (), wait: float = 900.0):
    """A real daemon process on a socket in `folder`, stopped on leaving: its endpoint."""
    endpoint = f"ipc://{folder}/{name}.sock"
    log = Path(folder, f"{name}.log")
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "inkscribe.daemon.cli", "daemon", "--endpoint", endpoint,
                                    *options], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        client, deadline = Client(endpoint), time.monotonic() + wait
        while not client.ping(timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {name} daemon did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=60)


def _style_picture(endpoint: str, path: Path) -> None:
    """A picture of a line the daemon wrote, as a style: its path data drawn as a viewer would."""
    from inkscribe.model.evaluation.drawing import draw

    reply = Client(endpoint, timeout=600).write(LINE, seed=0)
    draw([d for line in reply["lines"] for d in line["paths"]], 2.0, 4.0).save(path)


def _learnt_hand(endpoint: str, path: Path, checkpoint: str | None) -> None:
    """A hand learnt here, in two steps, from four lines the daemon wrote: how well does not
    matter, only what writing with one costs (the daemon's own forty steps took the suite a
    minute)."""
    from inkscribe.model.config import LearnConfig
    from inkscribe.model.net.checkpoint import load_model
    from inkscribe.model.write.writer import Writer

    texts = PARAGRAPH[:4]
    reply = Client(endpoint, timeout=600).write(texts, seed=0)
    data, _ = Writer(load_model(checkpoint, "cpu")).learn([line["strokes"] for line in reply["lines"]], texts,
                                                          "benchmark", LearnConfig(steps=2))
    path.write_bytes(data)


def against_goals(goals: SpeedGoals, versions: tuple[int, ...], compile: bool, threads: int,
                  device: str | None, runs: int = 7, requests: int = 3, checkpoint: str | None = None) -> None:
    """The speed issue's figures in one run: whole `inkscribe write` processes (a line, a
    10-line paragraph) at each number of versions, against a default daemon and, with
    `compile`, one with its writing step compiled, taking turns; a styled line against an
    unstyled one; 8 concurrent clients; and where the daemon writes on a GPU, a wide batch
    and a line's latency. Prints each beside its goal. `checkpoint`: the daemons' weights
    (default: shipped)."""
    options = ("--threads", str(threads), *(("--device", device) if device else ()),
               *(("--checkpoint", checkpoint) if checkpoint else ()))
    shown = ("default", "compiled") if compile else ("default",)
    rows = []   # (figure, measured, unit, compared, goal, met)
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        endpoints = [stack.enter_context(daemon_started(folder, name, options + (("--compile",) if name == "compiled"
                                                                                 else ()))) for name in shown]
        device = Client(endpoints[0]).info()["device"]
        on_gpu = str(device).startswith("cuda")
        alone = whole_processes([(endpoint, ()) for endpoint in endpoints], ["a"], runs)
        print(f"\nWhole processes against daemons started here ({', '.join(shown)}; {device}, "
              f"{threads} thread{'s' if threads > 1 else ''}), median of {runs}, the daemons taking turns:")
        print(f"the command's own cost: 'inkscribe write a' takes {', '.join(f'{t:.3f} s' for t in alone)} "
              f"({', '.join(shown)})")
        for v in versions:
            for what, lines, peer, goal in (("a line", [LINE], goals.peer_line_s, goals.line),
                                            ("a 10-line paragraph", PARAGRAPH, goals.peer_paragraph_s,
                                             goals.paragraph)):
                calls = [(endpoint, ("--versions", str(v))) for endpoint in endpoints]
                for name, t in zip(shown, whole_processes(calls, lines, runs)):
                    rows.append((f"{what}, {v} version{'s' if v > 1 else ''}, {name} daemon", t, "s",
                                 f"{t / peer:.2f}x the peer", f"<= {goal}x", t / peer <= goal))
        picture = Path(folder, "style.png")
        _style_picture(endpoints[0], picture)
        for name, endpoint in zip(shown, endpoints):
            plain, styled = whole_processes([(endpoint, ()), (endpoint, ("--style", str(picture)))], [LINE], runs)
            rows.append((f"a styled line, {name} daemon", styled, "s", f"{styled / plain:.2f}x unstyled",
                         f"<= {goals.styled}x", styled / plain <= goals.styled))
            hand = Path(folder, f"{name}.hand")
            _learnt_hand(endpoint, hand, checkpoint)
            plain, learnt = whole_processes([(endpoint, ()), (endpoint, ("--hand", str(hand)))], [LINE], runs)
            rows.append((f"a line in a learnt hand, {name} daemon", learnt, "s", f"{learnt / plain:.2f}x plain",
                         f"<= {goals.learnt}x", learnt / plain <= goals.learnt))
            rate, _ = lines_per_second(endpoint, 8, requests)
            rows.append((f"8 concurrent clients, {name} daemon", rate, "lines/s", "", f">= {goals.clients_lines_per_s:g}",
                         rate >= goals.clients_lines_per_s))
        if on_gpu:
            client = Client(endpoints[-1], timeout=600)
            latencies = []
            for k in range(runs):
                started = time.perf_counter()
                client.write(LINE, seed=k)
                latencies.append(time.perf_counter() - started)
            line = statistics.median(latencies)
            batch = [LINE] * protocol.Limits().lines
            started = time.perf_counter()
            client.write(batch, seed=0)
            rate = len(batch) / (time.perf_counter() - started)
            rows += [("a line's request on the GPU", line, "s", "", f"<= {goals.gpu_line_s}", line <= goals.gpu_line_s),
                     (f"{len(batch)} lines as one request on the GPU", rate, "lines/s", "",
                      f">= {goals.gpu_batch_lines_per_s:g}", rate >= goals.gpu_batch_lines_per_s)]
    print(f"{'figure':48} {'measured':>17} {'':18} {'goal':>9}  met")
    for figure, value, unit, compared, goal, met in rows:
        print(f"{figure:48} {value:9.3f} {unit:7} {compared:18} {goal:>9}  {'yes' if met else 'no'}")
    if not on_gpu:
        print("(the GPU goals need a daemon on a GPU: --device cuda where one is present)")
