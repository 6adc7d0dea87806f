"""A Python client for the inkscribe daemon: the "Lazy Pirate" pattern of the ZeroMQ guide.

Each try uses a fresh REQ socket, polls for the answer with a timeout, and gives up
cleanly: a daemon that is down or stuck costs a caller at most its timeout, never a hang.
Pure Python with pyzmq, so it also runs under Inkscape's own Python.
"""
import base64
import json
import socket as sockets
import time
from collections.abc import Callable
from pathlib import Path

import zmq

from . import protocol
from .keys import connect_securely, default_keys
from .pictures import fitted, read_picture


class DaemonUnavailable(ConnectionError):
    """No answer from the daemon in time."""


class DaemonError(RuntimeError):
    """The daemon answered with an error; `code` is one of protocol's stable codes, `images`
    which of the request's images it is about (1 for the first)."""

    def __init__(self, code: str, message: str, images: list[int] | None = None):
        super().__init__(message)
        self.code = code
        self.images = images or []


def nobody_listens(endpoint: str) -> bool:
    """True where nothing is bound at a tcp or ipc endpoint: the connection is refused at once.
    A REQ socket would instead wait out its whole timeout, and starting a daemon on demand
    asks this twice before it even loads the model."""
    scheme, _, address = endpoint.partition("://")
    try:
        if scheme == "tcp":
            host, _, port = address.rpartition(":")
            host = "127.0.0.1" if host in ("*", "0.0.0.0") else host.strip("[]")
            sockets.create_connection((host, int(port)), timeout=0.5).close()
        elif scheme == "ipc":
            with sockets.socket(sockets.AF_UNIX) as probe:
                probe.settimeout(0.5)
                probe.connect(address)
    except (ConnectionRefusedError, FileNotFoundError):
        return True
    except (OSError, ValueError):   # unreachable, slow, or not an address we read: let ZeroMQ try
        return False
    return False


class Client:
    def __init__(self, endpoint: str | None = None, timeout: float = 120.0, retries: int = 1,
                 keys: str | None = None):
        """keys: a CurveZMQ key folder (daemon/keys.py) for a daemon that asks for one;
        default $INKSCRIBE_KEYS."""
        self.endpoint = endpoint or protocol.default_endpoint()
        self.keys = keys or default_keys()
        self.timeout = timeout
        self.retries = retries
        self.context = zmq.Context.instance()

    def request(self, payload: bytes, timeout: float | None = None, retries: int | None = None) -> dict:
        limit = protocol.Limits().message_bytes
        if len(payload) > limit:   # the daemon would cut the connection, and we would wait in vain
            raise DaemonError(protocol.MESSAGE_TOO_LARGE, f"request of {len(payload) / 2**20:.0f} MiB; the limit "
                                                          f"is {limit / 2**20:.0f} MiB (send fewer or smaller images)")
        timeout = self.timeout if timeout is None else timeout
        tries = 1 + (self.retries if retries is None else retries)
        if nobody_listens(self.endpoint):
            raise DaemonUnavailable(f"no inkscribe daemon is running at {self.endpoint}; start it with "
                                    f"'inkscribe daemon'")
        for _ in range(tries):
            socket = self.context.socket(zmq.REQ)
            socket.setsockopt(zmq.LINGER, 0)
            try:
                if self.keys:
                    connect_securely(socket, self.keys)
                socket.connect(self.endpoint)
                socket.send(payload)
                if socket.poll(int(timeout * 1000), zmq.POLLIN):
                    reply = json.loads(socket.recv())
                    break
            finally:
                socket.close()
        else:
            raise DaemonUnavailable(f"no answer from the inkscribe daemon at {self.endpoint} "
                                    f"within {timeout:g} s ({tries} tries); start it with 'inkscribe daemon'")
        if not reply.get("ok"):
            error = reply.get("error", {})
            raise DaemonError(error.get("code", protocol.INTERNAL), error.get("message", "unknown error"),
                              error.get("images"))
        return reply

    def ping(self, timeout: float = 2.0) -> bool:
        """Whether a daemon answers within `timeout` seconds."""
        try:
            return self.request(json.dumps({"op": "ping"}).encode(), timeout, retries=0)["ok"]
        except DaemonUnavailable:
            return False

    def info(self) -> dict:
        return self.request(json.dumps({"op": "info"}).encode(), min(self.timeout, 10.0))

    def write(self, text: str | list[str], style_images: list[bytes | str | Path] = (), style_names: list[str] = (),
              temperature: float | None = None, bias: float | None = None, seed: int | None = None,
              smoothing: int | None = None, font_size: float | None = None,
              style_strokes: list | None = None, style_outlines: list | None = None,
              style_strength: float | None = None, versions: int | None = None, hand: bytes | None = None) -> dict:
        """Write text (a string, with newlines between lines, or a list of lines).

        style_images: pictures of handwriting, as PNG/JPEG bytes or file paths; style_names:
        what errors call each (default: a file's name, else "image 1", "image 2"...). hand: a
        learnt hand's file (`inkscribe hand learn`), in place of a style.
        style_strokes, style_outlines: handwriting drawn as vectors (see protocol.md).
        Returns the daemon's reply: per line its SVG path data, strokes and bounding box.
        A write is tried once: a slow answer is far likelier than a lost one, and a
        retry would only queue the same work again.
        """
        lines = text.split("\n") if isinstance(text, str) else list(text)
        images = [fitted(i if isinstance(i, bytes) else read_picture(i)) for i in style_images]
        names = [name[:protocol.IMAGE_NAME_CHARS] for name in style_names] or [
            f"image {n}" if isinstance(i, bytes) else Path(i).name for n, i in enumerate(style_images, 1)]
        payload = protocol.write_message(lines, images, image_names=names or None, temperature=temperature, bias=bias,
                                         seed=seed, smoothing=smoothing, font_size=font_size,
                                         strokes=style_strokes or None, outlines=style_outlines or None,
                                         deadline_s=self.timeout, style_strength=style_strength,
                                         versions=versions,
                                         hand=None if hand is None else base64.b64encode(hand).decode())
        return self.request(payload, retries=0)

    def learn(self, lines: list, texts: list[str], name: str) -> str:
        """Start learning a hand from written lines (each a list of strokes, each a list of
        [x, y]) and what they say; the job to ask after with `learn_status`."""
        return self.request(protocol.learn_message(lines, texts, name), retries=0)["job"]

    def learn_status(self, job: str) -> dict:
        """How far the job has got: its state, step and steps; done, the hand file (base64
        'hand') and the held-out line's likelihood before and after."""
        return self.request(json.dumps({"op": "learn_status", "job": job}).encode(), min(self.timeout, 10.0))

    def learnt(self, job: str, progress: Callable[[dict], None] | None = None) -> dict:
        """The job's last status, once it has ended (done, failed or cancelled); `progress` is
        given each status while it waits or learns."""
        while True:
            status = self.learn_status(job)
            if status["state"] not in ("queued", "learning"):
                return status
            if progress is not None:
                progress(status)
            time.sleep(0.25)

    def learn_cancel(self, job: str) -> dict:
        return self.request(json.dumps({"op": "learn_cancel", "job": job}).encode(), min(self.timeout, 10.0))
