"""Real daemon processes for tests: a tiny model, a free loopback port, stopped afterwards."""
import json
import os
import socket
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
import zmq

from inkscribe.daemon.client import Client
from inkscribe.model.net.checkpoint import export
from inkscribe.model.config import preset
from inkscribe.model.net.network import HandwritingModel


def tiny_weights(path: Path) -> Path:
    torch.manual_seed(0)
    export(HandwritingModel(preset("tiny")), path, {"data": "none (untrained test model)"})
    return path


def free_endpoint() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{s.getsockname()[1]}"


class DaemonProcess:
    def __init__(self, weights: Path | None, endpoint: str | None = None, *args: str):
        """A daemon with these weights, or with None, the stand-in writer (tests/standin.py)."""
        self.endpoint = endpoint or free_endpoint()
        command = (["-m", "inkscribe.daemon.cli", "daemon", "--endpoint", self.endpoint, "--checkpoint", str(weights),
                    "--device", "cpu", *args] if weights is not None else
                   [str(Path(__file__).with_name("standin.py")), self.endpoint])
        # One thread: the strokes then do not depend on how the machine splits its matrix products.
        self.process = subprocess.Popen([sys.executable, *command], env={**os.environ, "OMP_NUM_THREADS": "1"},
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        client = Client(self.endpoint)
        deadline = time.monotonic() + (300 if "--compile" in args else 60)
        while not client.ping(timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"daemon did not start: {self.process.stdout.read()}")

    def stop(self, sig: int = signal.SIGTERM) -> str:
        """Stop it as a user would (SIGTERM, or SIGHUP as a closed terminal does) and return what
        it printed."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        out, _ = self.process.communicate(timeout=30)
        return out


def until(endpoint: str, condition, timeout: float = 30) -> None:
    """Wait until the daemon's info satisfies `condition` (say, a request is being written)."""
    client, deadline = Client(endpoint), time.monotonic() + timeout
    while not condition(client.info()):
        assert time.monotonic() < deadline, "the daemon never got there"
        time.sleep(0.02)


def raw_request(endpoint: str, payload: bytes, timeout: float = 30) -> dict:
    """Send bytes exactly as given, bypassing the client's own encoding."""
    socket = zmq.Context.instance().socket(zmq.REQ)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(endpoint)
    try:
        socket.send(payload)
        assert socket.poll(int(timeout * 1000)), "no reply"
        return json.loads(socket.recv())
    finally:
        socket.close()
