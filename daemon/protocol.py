"""The daemon's wire protocol (docs/protocol.md): JSON requests and replies, limits, error codes.

Pure Python on purpose: the client, and so the Inkscape extension, imports this without torch.
"""
import base64
import binascii
import difflib
import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from inkscribe.model import handfile
from inkscribe.model.config import WRITING
from inkscribe.model.page.charset import substituted

VERSION = 1
MAX_SEED = 2**31 - 1
# Where there is no Unix socket (Windows): loopback TCP, which any local user can reach.
TCP_ENDPOINT = "tcp://127.0.0.1:5717"
ENDPOINT_VARIABLE = "INKSCRIBE_ENDPOINT"

# Stable error codes: clients may branch on these; messages are for people.
BAD_JSON = "bad_json"
BAD_REQUEST = "bad_request"
UNKNOWN_OP = "unknown_op"
UNKNOWN_CHARACTERS = "unknown_characters"
TEXT_TOO_LONG = "text_too_long"
TOO_MANY_LINES = "too_many_lines"
TOO_MANY_IMAGES = "too_many_images"
BAD_IMAGE = "bad_image"
BAD_STROKES = "bad_strokes"
IMAGE_TOO_LARGE = "image_too_large"
NO_HANDWRITING = "no_handwriting"
BAD_HAND = "bad_hand"
UNKNOWN_JOB = "unknown_job"
MESSAGE_TOO_LARGE = "message_too_large"
TIMEOUT = "timeout"
BUSY = "busy"
SHUTTING_DOWN = "shutting_down"
UNSUPPORTED_VERSION = "unsupported_version"
INTERNAL = "internal"


def default_endpoint() -> str:
    """$INKSCRIBE_ENDPOINT; else a Unix socket in a folder only this user can open (so no
    other user can use the daemon or pose as it); else, without Unix sockets, loopback TCP."""
    if os.environ.get(ENDPOINT_VARIABLE):
        return os.environ[ENDPOINT_VARIABLE]
    if os.name != "posix":
        return TCP_ENDPOINT
    return f"ipc://{private_folder() / 'daemon.sock'}"


class UnsafeFolder(PermissionError):
    """The folder the default socket would go in is not this user's alone."""


def private_folder() -> Path:
    """This user's folder for the daemon's socket and log: $XDG_RUNTIME_DIR/inkscribe, or
    /tmp/inkscribe-UID; made 0700, and refused where someone else owns it or can write in it."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(runtime) / "inkscribe" if runtime and Path(runtime).is_dir() else \
        Path(tempfile.gettempdir()) / f"inkscribe-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        status = folder.lstat()
    except OSError as e:
        raise UnsafeFolder(f"cannot make {folder} for the daemon's socket: {e.strerror}") from None
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise UnsafeFolder(f"{folder} is not a folder that only you can open; remove it, or set "
                           f"{ENDPOINT_VARIABLE} to an endpoint of your own")
    return folder


@dataclass(frozen=True)
class Limits:
    line_chars: int = 300            # characters in one line, as written ("…" is three)
    word_chars: int = 60             # in one word: the model writes a word at a time, and a longer
                                     # one runs to its point cap (a URL of 60 still fits)
    lines: int = 200                 # lines in one request
    images: int = 8                  # style images in one request
    # One encoded image. Clients shrink larger pictures to what the daemon reads
    # (daemon/pictures.py): a 2400-pixel page is a few MiB.
    image_bytes: int = 4 * 2**20
    image_pixels: int = 40_000_000   # one decoded image: refuses decompression bombs
    # A whole request. ZeroMQ holds each connection's request in memory as it arrives, before
    # the daemon can look at it, so this bounds what many connections at once cost.
    message_bytes: int = 6 * 2**20
    # Seconds a connection may go without finishing a message or answering a ping: how long a
    # stalled peer holds what it sent so far (a 6 MiB request takes well under a second here).
    stall_s: float = 10.0
    # Connections at once: each may hold up to message_bytes while its request arrives, so
    # this bounds what arriving requests hold in all (48 x 6 MiB); more are shut as they open.
    connections: int = 48
    json_items: int = 500_000        # JSON arrays, objects and items in one request (counted before parsing)
    drawn_strokes: int = 5_000       # strokes drawn by hand (pencil, pen or calligraphy tool) as a style
    drawn_points: int = 100_000      # their points, all together
    timeout_s: float = 300.0         # a request still queued after this is refused
    queued_per_client: int = 8       # writes one client may have waiting; more are refused
    queued: int = 64                 # writes waiting from all clients together
    queued_bytes: int = 48 * 2**20   # what those hold in memory (pictures, drawn strokes), together
    # Characters written in all, counting each version of a word: a long request gets fewer
    # versions per word, so that the largest one allowed still takes minutes, not hours.
    written_chars: int = 60_000
    learn_lines: int = 12            # written lines a hand is learnt from
    learning: int = 2                # hands being learnt or waiting to be, from all clients together


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, images: list[int] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.images = images

    def reply(self) -> dict:
        return error_reply(self.code, self.message, self.images)


def error_reply(code: str, message: str, images: list[int] | None = None) -> dict:
    """An error; `images`: which of the request's images it is about (1 for the first)."""
    error = {"code": code, "message": message, **({"images": images} if images else {})}
    return {"ok": False, "version": VERSION, "error": error}


@dataclass
class WriteRequest:
    """A write as the daemon takes it; the writing options' defaults and ranges are WRITING's."""
    lines: list[str]
    images: list[bytes]
    # What errors call each image ("image 1", ... where the client gives no names).
    image_names: list[str] = field(default_factory=list)
    temperature: float = WRITING["temperature"].default
    bias: float = WRITING["bias"].default
    seed: int | None = None
    smoothing: int = WRITING["smoothing"].default
    font_size: float | list[float] = WRITING["font_size"].default   # px; or one per line
    deadline_s: float | None = None   # how long the client waits: work still queued after it is dropped
    style_strength: float = WRITING["style_strength"].default
    versions: int = WRITING["versions"].default
    # Handwriting drawn as vectors, in any unit with y down: pen paths, and the closed
    # outlines a calligraphy tool leaves (filled). Both together give one more style picture.
    strokes: list[list[tuple[float, float]]] = field(default_factory=list)
    outlines: list[list[tuple[float, float]]] = field(default_factory=list)
    hand: bytes | None = None         # a learnt hand's file (`inkscribe hand learn`), in place of a style


@dataclass
class LearnRequest:
    """A hand to learn: each written line's pen strokes (any unit, y down, in the order
    written) and what it says."""
    lines: list[list[list[tuple[float, float]]]]
    texts: list[str]
    name: str


# The fields each op may carry: anything else is a mistake worth saying (a misspelt
# 'images' would otherwise write without the style, silently).
FIELDS = {
    "ping": ("op", "version"),
    "info": ("op", "version"),
    "write": ("op", "version", "lines", "text", "images", "image_names", "temperature", "bias", "seed", "smoothing",
              "font_size", "strokes", "outlines", "deadline_s", "style_strength", "versions", "hand"),
    "learn": ("op", "version", "lines", "texts", "name"),
    "learn_status": ("op", "version", "job"),
    "learn_cancel": ("op", "version", "job"),
}


def _knob(m: dict, name: str):
    """A writing option from a request, its default where it has none, checked against its range."""
    knob = WRITING[name]
    return _number(m.get(name, knob.default), name, knob.low, knob.high, knob.integer)


def _number(value, name: str, low: float, high: float, integer: bool = False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise ProtocolError(BAD_REQUEST, f"'{name}' must be {'an integer' if integer else 'a number'}")
    if not low <= value <= high:
        raise ProtocolError(BAD_REQUEST, f"'{name}' must be between {low} and {high}, not {value}")
    return value


# Field names longer than this are not matched against the known ones (matching costs the
# square of their length) nor echoed back whole.
NAME_SHOWN = 40
IMAGE_NAME_CHARS = 200   # an image's name, as errors say it
_NOT_ITEMS = bytes(b for b in range(256) if b not in b"[{,")   # what an item count skips
COORDINATE = 1e9   # drawn coordinates, in any unit: larger overflow what the style is read with


def parse(raw: bytes, limits: Limits) -> tuple[str, dict | WriteRequest]:
    """(op, arguments) from a raw request; raises ProtocolError for anything malformed."""
    if len(raw) > limits.message_bytes:
        raise ProtocolError(MESSAGE_TOO_LARGE, f"message of {len(raw)} bytes; the limit is {limits.message_bytes}")
    # Each parsed item costs tens of bytes where its text costs one or two: count them first.
    items = len(raw.translate(None, _NOT_ITEMS))
    if items > limits.json_items:
        raise ProtocolError(MESSAGE_TOO_LARGE, f"a request of about {items:,} JSON items; the limit is "
                                               f"{limits.json_items:,}")
    try:
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise ProtocolError(BAD_JSON, f"request is not valid JSON: {e}") from None
    except RecursionError:
        raise ProtocolError(BAD_JSON, "request is not valid JSON: nested too deeply") from None
    if not isinstance(message, dict):
        raise ProtocolError(BAD_REQUEST, "request must be a JSON object")
    version = message.get("version", VERSION)
    if version != VERSION:
        raise ProtocolError(UNSUPPORTED_VERSION, f"protocol version {_shown(version)} is not supported; this "
                                                 f"daemon speaks version {VERSION}")
    op = message.get("op")
    if not isinstance(op, str) or op not in FIELDS:
        raise ProtocolError(UNKNOWN_OP, f"unknown op {_shown(op)}; known: {', '.join(FIELDS)}")
    for name in message:
        if name not in FIELDS[op]:
            close = difflib.get_close_matches(name, FIELDS[op], 1) if len(name) <= NAME_SHOWN else []
            raise ProtocolError(BAD_REQUEST, f"unknown field {_shown(name)} in a {op} request"
                                             + (f"; did you mean {close[0]!r}?" if close else ""))
    if op in ("ping", "info"):
        return op, {}
    if op in ("learn_status", "learn_cancel"):
        if not isinstance(message.get("job"), str):
            raise ProtocolError(BAD_REQUEST, f"a {op} request names its 'job', as 'learn' answered it")
        return op, {"job": message["job"]}
    if op == "learn":
        return op, _learn_request(message, limits)
    return op, _write_request(message, limits)


def _shown(value) -> str:
    """A value from a request as an error message quotes it: cut short if long."""
    if isinstance(value, (list, dict, bool)) or value is None:
        return {list: "an array", dict: "an object", bool: "true or false"}.get(type(value), "null")
    text = repr(value)
    return text if len(text) <= NAME_SHOWN else text[:NAME_SHOWN] + "..."


def footprint(request: "WriteRequest") -> int:
    """About how many bytes a queued write holds: its pictures, and its drawn points as
    Python objects."""
    points = sum(map(len, request.strokes)) + sum(map(len, request.outlines))
    return (sum(map(len, request.images)) + len(request.hand or b"") + 128 * points + 64 * sum(map(len, request.lines))
            + 4096)


def _write_request(m: dict, limits: Limits) -> WriteRequest:
    lines = m.get("lines")
    if isinstance(m.get("text"), str) and lines is None:
        lines = m["text"].split("\n")
    if not isinstance(lines, list) or not all(isinstance(l, str) for l in lines):
        raise ProtocolError(BAD_REQUEST, "'lines' must be a list of strings (or 'text' a string)")
    lines = [l.removesuffix("\r") for l in lines]   # text from Windows files, as the command line reads it
    if not any(l.strip() for l in lines):
        raise ProtocolError(BAD_REQUEST, "there is no text to write")
    if len(lines) > limits.lines:
        raise ProtocolError(TOO_MANY_LINES, f"{len(lines)} lines; the limit is {limits.lines} per request")
    _within_text_limits(lines, limits, "split long text into lines")
    images = m.get("images", [])
    if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
        raise ProtocolError(BAD_REQUEST, "'images' must be a list of base64 strings")
    if len(images) > limits.images:
        raise ProtocolError(TOO_MANY_IMAGES, f"{len(images)} images; the limit is {limits.images}")
    names = m.get("image_names", [f"image {n}" for n in range(1, len(images) + 1)])
    if not isinstance(names, list) or len(names) != len(images) or not all(
            isinstance(n, str) and 0 < len(n) <= IMAGE_NAME_CHARS for n in names):
        raise ProtocolError(BAD_REQUEST, f"'image_names' must name each of the {len(images)} images, in at most "
                                         f"{IMAGE_NAME_CHARS} characters")
    decoded = []
    for n, (text, name) in enumerate(zip(images, names), 1):
        if len(text) * 3 // 4 > limits.image_bytes:
            raise ProtocolError(IMAGE_TOO_LARGE, f"{name} is over {limits.image_bytes // 2**20} MiB", [n])
        try:
            decoded.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            raise ProtocolError(BAD_IMAGE, f"{name} is not valid base64", [n]) from None
    seed = m.get("seed")
    strokes, outlines = _drawn(m.get("strokes", []), "strokes"), _drawn(m.get("outlines", []), "outlines")
    drawn = sum(map(len, strokes + outlines))
    if len(strokes) + len(outlines) > limits.drawn_strokes or drawn > limits.drawn_points:
        raise ProtocolError(BAD_STROKES, f"{len(strokes) + len(outlines)} drawn strokes of {drawn} points; the "
                                         f"limit is {limits.drawn_strokes} strokes and {limits.drawn_points} "
                                         f"points (select a few words of handwriting)")
    hand = m.get("hand")
    if hand is not None:
        if not isinstance(hand, str) or len(hand) * 3 // 4 > handfile.MAX_BYTES:
            raise ProtocolError(BAD_HAND, f"'hand' must be a hand file in base64, at most {handfile.MAX_BYTES // 2**20} MB")
        if decoded or strokes or outlines:
            raise ProtocolError(BAD_REQUEST, "a request is written in a learnt hand or in a style from images or "
                                             "strokes, not both")
        try:
            hand = base64.b64decode(hand, validate=True)
        except (binascii.Error, ValueError):
            raise ProtocolError(BAD_HAND, "'hand' is not valid base64") from None
    return WriteRequest(
        hand=hand,
        lines=lines,
        images=decoded,
        image_names=names,
        temperature=_knob(m, "temperature"),
        bias=_knob(m, "bias"),
        seed=None if seed is None else _number(seed, "seed", 0, MAX_SEED, integer=True),
        smoothing=_knob(m, "smoothing"),
        font_size=_font_size(m, len(lines)),
        strokes=strokes,
        outlines=outlines,
        deadline_s=None if m.get("deadline_s") is None else _number(m["deadline_s"], "deadline_s", 0.1, 86400.0),
        style_strength=_knob(m, "style_strength"),
        versions=_knob(m, "versions"),
    )


def _learn_request(m: dict, limits: Limits) -> LearnRequest:
    texts, lines, name = m.get("texts"), m.get("lines"), m.get("name")
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        raise ProtocolError(BAD_REQUEST, "'texts' must list what each written line says, one string a line")
    if not isinstance(name, str) or not 0 < len(name) <= IMAGE_NAME_CHARS:
        raise ProtocolError(BAD_REQUEST, f"'name' must name the hand, in 1 to {IMAGE_NAME_CHARS} characters")
    if not isinstance(lines, list):
        raise ProtocolError(BAD_STROKES, "'lines' must list the written lines, each a list of strokes")
    if len(lines) != len(texts):
        raise ProtocolError(BAD_REQUEST, f"{len(lines)} written lines, but {len(texts)} lines of text: give what "
                                         f"each written line says, one text line each, in reading order")
    if not 2 <= len(lines) <= limits.learn_lines:
        raise ProtocolError(BAD_REQUEST, f"{len(lines)} written lines; a hand is learnt from 2 to "
                                         f"{limits.learn_lines} (four or more are best)")
    _within_text_limits(texts, limits, "learn from shorter lines")
    drawn = [_drawn(line, "strokes") for line in lines]
    points = sum(len(s) for line in drawn for s in line)
    if points > limits.drawn_points or sum(map(len, drawn)) > limits.drawn_strokes:
        raise ProtocolError(BAD_STROKES, f"{points} points in {sum(map(len, drawn))} strokes; the limit is "
                                         f"{limits.drawn_points} points and {limits.drawn_strokes} strokes")
    empty = [str(n) for n, line in enumerate(drawn, 1) if sum(map(len, line)) < 2]
    if empty:
        raise ProtocolError(BAD_STROKES, f"written line {', '.join(empty)} holds no ink")
    return LearnRequest(drawn, [t.removesuffix("\r") for t in texts], name)


def learn_message(lines: list, texts: list[str], name: str) -> bytes:
    """A `learn` request ready to send."""
    return json.dumps({"op": "learn", "version": VERSION, "lines": lines, "texts": texts, "name": name}).encode()


def _within_text_limits(lines: list[str], limits: Limits, advice: str) -> None:
    """Lines and words no longer than the limits, counted as they will be written: a line of
    300 "…" is 900 dots, one word the model would write to its point cap."""
    written = [substituted(line) for line in lines]
    longest = max(written, key=len)
    if len(longest) > limits.line_chars:
        raise ProtocolError(TEXT_TOO_LONG, f"a line of {len(longest)} characters as written; the limit is "
                                           f"{limits.line_chars} ({advice})")
    word = max((w for line in written for w in line.split()), key=len, default="")
    if len(word) > limits.word_chars:
        raise ProtocolError(TEXT_TOO_LONG, f"a word of {len(word)} characters as written ({word[:20]}…); the "
                                           f"limit is {limits.word_chars}: put spaces in it")


def _drawn(value, name: str) -> list[list[tuple[float, float]]]:
    """Polylines [[x, y], ...] with finite coordinates."""
    if not isinstance(value, list) or not all(isinstance(s, list) for s in value):
        raise ProtocolError(BAD_STROKES, f"'{name}' must be a list of strokes, each a list of [x, y] points")
    out = []
    for n, stroke in enumerate(value, 1):
        if not all(isinstance(p, list) and len(p) == 2 and all(
                not isinstance(c, bool) and isinstance(c, (int, float)) and -COORDINATE <= c <= COORDINATE
                for c in p) for p in stroke):
            raise ProtocolError(BAD_STROKES, f"{name[:-1]} {n} must be a list of [x, y] points, numbers between "
                                             f"{-COORDINATE:g} and {COORDINATE:g}")
        if stroke:
            out.append([(float(x), float(y)) for x, y in stroke])
    return out


def _font_size(m: dict, lines: int) -> float | list[float]:
    """One size for every line, or one per line (texts of several sizes in one request)."""
    value = m.get("font_size")
    if not isinstance(value, list):
        return _knob(m, "font_size")
    if len(value) != lines:
        raise ProtocolError(BAD_REQUEST, f"'font_size' lists {len(value)} sizes for {lines} lines")
    return [_knob({"font_size": v}, "font_size") for v in value]


def write_message(lines: list[str], images: list[bytes] = (), **options) -> bytes:
    """A `write` request ready to send; options: image_names, temperature, bias, seed, smoothing,
    font_size, strokes, outlines, deadline_s, style_strength, versions."""
    message = {"op": "write", "version": VERSION, "lines": list(lines),
               "images": [base64.b64encode(i).decode() for i in images]}
    message.update({k: v for k, v in options.items() if v is not None})
    return json.dumps(message).encode()


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def check_endpoint(endpoint: str, allow_remote: bool, keys: str | None = None) -> None:
    """Refuse to listen beyond this machine unless asked to explicitly, with keys."""
    url = urlparse(endpoint)
    if url.scheme not in ("tcp", "ipc"):
        raise ValueError(f"endpoint {endpoint!r}: use tcp://HOST:PORT or ipc://PATH")
    if url.scheme == "tcp" and url.hostname not in LOCAL_HOSTS:
        if not allow_remote:
            raise ValueError(f"endpoint {endpoint!r} listens beyond this machine; "
                             "pass --allow-remote to do that on purpose")
        if not keys:
            raise ValueError(f"endpoint {endpoint!r} listens beyond this machine, where anyone could use it: "
                             "give --keys DIR (make them with 'inkscribe keys DIR') so that only clients "
                             "holding a key are let in")
