"""Daemon figures: request overhead, seconds per line, lines/s under concurrent clients, memory,
and the heaviest request the limits allow."""
import io
import statistics
import threading
import time

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


def heaviest_request(client: Client) -> float:
    """Seconds for the largest request within the limits: every line as long as allowed,
    and as many pictures as allowed, each at the pixel limit (blank, so refused once decoded)."""
    from PIL import Image

    limits = protocol.Limits()
    side = int(limits.image_pixels ** 0.5)
    buffer = io.BytesIO()
    Image.new("L", (side, side), 255).save(buffer, "PNG")
    started = time.perf_counter()
    try:
        client.write(["handwriting " * (limits.line_chars // 12)] * limits.lines,
                     style_images=[buffer.getvalue()] * limits.images)
    except Exception as refused:   # blank pictures hold no writing: decoded, measured, refused
        print(f"  pictures: {refused}"[:120])
    pictures = time.perf_counter() - started
    started = time.perf_counter()
    client.write(["handwriting " * (limits.line_chars // 12)] * limits.lines, seed=1)
    return pictures, time.perf_counter() - started


def main(endpoint: str, requests: int = 3, heaviest: bool = False) -> None:
    client = Client(endpoint, timeout=600)
    info = client.info()
    print(f"daemon at {endpoint}: {info['model']['parameters'] / 1e6:.1f}M parameters on {info['device']}")
    print(f"ping round trip (median of 200): {ping_round_trip(client) * 1000:.2f} ms")
    print(f"{'clients':>7} {'lines/s':>8} {'s/request':>10}")
    for clients in (1, 4, 8):
        rate, latency = lines_per_second(endpoint, clients, requests)
        print(f"{clients:7d} {rate:8.2f} {latency:10.2f}")
    print(f"daemon peak resident memory: {client.info()['peak_rss_mb']:.0f} MiB")
    if heaviest:
        pictures, lines = heaviest_request(client)
        limits = protocol.Limits()
        print(f"heaviest request: {limits.images} pictures of {limits.image_pixels / 1e6:.0f} MP in {pictures:.1f} s; "
              f"{limits.lines} lines of {limits.line_chars} characters in {lines:.1f} s; "
              f"daemon peak resident memory {client.info()['peak_rss_mb']:.0f} MiB")
