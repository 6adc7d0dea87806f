"""Daemon figures: request overhead, whole `inkscribe write` processes, seconds per line,
lines/s under concurrent clients, memory, and the heaviest request the limits allow."""
import io
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import protocol
from .client import Client

LINE = "The quick brown fox jumps over a lazy do"   # 40 characters


def ping_round_trip(client: Client, n: int = 200) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        client.ping()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def whole_process(endpoint: str, lines: list[str], runs: int = 7) -> float:
    """Median seconds of a whole `inkscribe write` process writing `lines` into an SVG file
    through the daemon at `endpoint`, as a script that writes one file per call pays them."""
    command = Path(sys.executable).with_name("inkscribe")
    command = [str(command)] if command.exists() else [sys.executable, "-m", "inkscribe.daemon.cli"]
    times = []
    with tempfile.TemporaryDirectory() as folder:
        text = Path(folder, "text.txt")
        text.write_text("\n".join(lines), encoding="utf-8")
        for k in range(runs):
            started = time.perf_counter()
            subprocess.run([*command, "write", "--file", str(text), "-o", str(Path(folder, "out.svg")),
                            "--endpoint", endpoint, "--seed", str(k)], check=True, capture_output=True)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


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
                        ("a 10-line paragraph", [LINE] * 10)):
        print(f"inkscribe write, {what}, whole process (median of 7): {whole_process(endpoint, lines):.3f} s")
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
