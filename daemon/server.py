"""The model daemon: loads the model once and answers clients over ZeroMQ.

The main thread owns the ROUTER socket: it answers ping and info at once, checks
every small request (a reader thread checks large ones), and queues writes, each client's
in a queue of its own. One worker thread
owns the model: it takes a queued write from each client in turn, so lines of several
requests are sampled as one batch and no client waits behind another's flood, and hands
the replies back over an inproc socket (ZeroMQ sockets stay within one thread).
"""
import io
import contextlib
import os
import socket as socket_module
import json
import math
import queue
import resource
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import zmq
from zmq.utils.monitor import recv_monitor_message
from PIL import Image, UnidentifiedImageError

from inkscribe.model.page.charset import UnknownCharacterError, normalise, substituted
from inkscribe.model.config import PICTURE_SIDE, PathConfig
from inkscribe.model.handfile import HandFileError
from inkscribe.model.write.writer import Interrupted, NoHandwritingFound, SampleConfig, Task, Writer

from . import protocol as P
from .fair_queue import ALL_FULL, CLIENT_FULL, FairQueue
from .frontend import claim, release, split_envelope
from .learning import Learner

# Requests up to this size are read on the main thread; larger ones (pictures) on a thread
# of their own, so that reading forty of them never holds up a ping.
INLINE_BYTES = 64 * 1024
UNREAD = 8   # large requests waiting for the reader; more are refused at once, unread


@dataclass
class ServerConfig:
    endpoint: str = field(default_factory=P.default_endpoint)
    allow_remote: bool = False
    keys: str | None = None       # CurveZMQ key folder (daemon/keys.py): only clients holding a key get in
    # Characters the model writes in one batch, counting each version: its cost in steps.
    # About 256 words, what it steps through fastest, and a few seconds on a busy machine. A
    # longer request is written a piece at a time, each piece in a batch of its own beside
    # other clients' work.
    max_batch_chars: int = 1536
    limits: P.Limits = field(default_factory=P.Limits)
    # Seconds without a write after which the daemon exits by itself (None: never). A
    # daemon that the extension or `inkscribe write` started should not hold its memory
    # for the rest of the session.
    idle_exit_s: float | None = None


@dataclass
class Job:
    envelope: list[bytes]        # ROUTER routing frames, to address the reply
    request: P.WriteRequest
    received: float
    # A long request is written a piece at a time (ServerConfig.max_batch_chars), so that a
    # line sent behind it waits for one piece, not all.
    task: Task | None = None     # its style, read once, and its settings: from its first piece on
    started: float = 0.0
    written: list = field(default_factory=list)   # its lines written so far
    batch_lines: int = 0         # the most lines one of its batches held


def decode_image(data: bytes, n: int, name: str, limits: P.Limits) -> Image.Image:
    """A picture from PNG/JPEG bytes, refusing other formats, broken files and decompression
    bombs (its size is read from the header, before any pixel is decoded). It is shrunk to
    what the style needs as it is decoded, so eight large pictures stay small in memory."""
    try:
        image = Image.open(io.BytesIO(data), formats=["PNG", "JPEG"])
        if image.width * image.height > limits.image_pixels:
            raise P.ProtocolError(P.IMAGE_TOO_LARGE, f"{name} has {image.width}x{image.height} pixels; "
                                                     f"the limit is {limits.image_pixels:,}", [n])
        image.draft(None, (PICTURE_SIDE, PICTURE_SIDE))   # JPEG: decode at a fraction of the size
        image.load()
        image.thumbnail((PICTURE_SIDE, PICTURE_SIDE))
        return image
    except P.ProtocolError:
        raise
    except Image.DecompressionBombError:
        raise P.ProtocolError(P.IMAGE_TOO_LARGE, f"{name} has too many pixels to decode safely", [n]) from None
    except UnidentifiedImageError:
        raise P.ProtocolError(P.BAD_IMAGE, f"{name} is not a PNG or JPEG picture", [n]) from None
    except (OSError, ValueError, SyntaxError, EOFError) as e:
        # Pillow's messages can name Python objects; say what a person can act on.
        reason = "it is cut short" if "truncated" in str(e) else "it is damaged"
        raise P.ProtocolError(P.BAD_IMAGE, f"{name} cannot be read as PNG or JPEG: {reason}", [n]) from None


def shut(fd: int) -> None:
    """End a connection ZeroMQ accepted, as if its peer had hung up: ZeroMQ sees it close and
    cleans up as it always does (closing its descriptor under it would not be safe)."""
    with socket_module.socket(fileno=os.dup(fd)) as peer:
        with contextlib.suppress(OSError):
            peer.shutdown(socket_module.SHUT_RDWR)


def versions_within(request: P.WriteRequest, limits: P.Limits) -> int:
    """The versions per word a request gets: as asked, or fewer where its text is so long
    that they would pass the limit on characters written."""
    chars = sum(len(substituted(line)) for line in request.lines)
    return max(1, min(request.versions, limits.written_chars // max(chars, 1)))


class Daemon:
    def __init__(self, writer: Writer, cfg: ServerConfig, info: dict):
        P.check_endpoint(cfg.endpoint, cfg.allow_remote, cfg.keys)
        self.writer, self.cfg, self.info = writer, cfg, info
        self.jobs = FairQueue(cfg.limits.queued_per_client, cfg.limits.queued, cfg.limits.queued_bytes)
        self.gone: set[bytes] = set()   # clients whose connection closed while their work was in hand
        self.writing = 0                 # requests in the batch the model is writing now
        self.stopping = threading.Event()
        self.context = zmq.Context()
        self.replies = f"inproc://replies-{id(self)}"
        self.unread: queue.SimpleQueue = queue.SimpleQueue()   # large requests, for the reader thread
        self.learner = Learner(writer, cfg.limits, self.stopping)

    # ---- main thread: sockets ------------------------------------------------------
    def serve(self, ready: threading.Event | None = None, frontend: zmq.Socket | None = None) -> None:
        """Answer until stop() or SIGINT/SIGTERM; queued work and the batch in hand are refused. `frontend`: the socket `claim` bound, if the endpoint was claimed early."""
        frontend = frontend or claim(self.cfg.endpoint, self.cfg.limits, self.cfg.keys)
        inbox = self.context.socket(zmq.PULL)
        inbox.bind(self.replies)
        if threading.current_thread() is threading.main_thread():
            # SIGHUP too (a closed terminal): it ended the daemon at once, its clients left
            # waiting their whole timeout and its socket file behind.
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, self._on_signal)
        worker = threading.Thread(target=self._work, name="inkscribe-model", daemon=True)
        worker.start()
        reader = threading.Thread(target=self._read, name="inkscribe-reader", daemon=True)
        reader.start()
        if ready is not None:
            ready.set()
        # Connections that close: work for a client that has gone is dropped, and the batch
        # in hand stopped when all of it is theirs. ZeroMQ names the connection by its file
        # descriptor, which each request's frames carry. Connections that open: past the
        # limit, a new one is shut within a round of this loop, since ZeroMQ would hold up
        # to a whole request for each while it arrives.
        monitor = frontend.get_monitor_socket(zmq.EVENT_DISCONNECTED | zmq.EVENT_ACCEPTED)
        connected: set[int] = set()
        # One past the limit is judged a round later: ZeroMQ may tell of a new connection
        # before it tells that others, gone at the same moment, have closed.
        waiting: set[int] = set()
        poller = zmq.Poller()
        for socket in (frontend, inbox, monitor):
            poller.register(socket, zmq.POLLIN)
        in_hand: dict[bytes, int] = {}            # client -> its writes queued or being written
        connection: dict[int, set[bytes]] = {}    # file descriptor -> those clients on it
        last_write = time.monotonic()
        try:
            while not self.stopping.is_set() or worker.is_alive() or reader.is_alive():
                events = dict(poller.poll(100))
                judged, waiting = waiting, set()
                while monitor.poll(0):   # first: a descriptor closed now may come back for a new client
                    event = recv_monitor_message(monitor)
                    if event["event"] == zmq.EVENT_ACCEPTED:
                        (connected if len(connected) < self.cfg.limits.connections else waiting).add(event["value"])
                        continue
                    for fds in (connected, judged, waiting):
                        fds.discard(event["value"])
                    for client in connection.pop(event["value"], ()):
                        if client in in_hand:
                            self.gone.add(client)
                            self._done(in_hand, client, self.jobs.forget(client))
                for fd in judged:
                    if len(connected) < self.cfg.limits.connections:
                        connected.add(fd)
                    else:
                        shut(fd)
                if inbox in events:
                    frames = inbox.recv_multipart()
                    frontend.send_multipart(frames)
                    self._done(in_hand, frames[0], 1)
                    last_write = time.monotonic()
                if frontend in events:
                    received = frontend.recv_multipart(copy=False)
                    envelope, frames = split_envelope([f.bytes for f in received])
                    large = len(frames) == 1 and len(frames[0]) > INLINE_BYTES
                    if len(frames) != 1:
                        reply = P.error_reply(P.BAD_REQUEST, f"a request is one frame, not {len(frames)}")
                    elif not large:
                        reply = self._handle(envelope, frames[0])
                    elif self.unread.qsize() >= UNREAD:
                        reply = P.error_reply(P.BUSY, "the daemon is reading as many large requests as it holds at "
                                                      "once from all its clients; try again in a moment")
                    else:
                        self.unread.put((envelope, frames[0]))
                        reply = None
                    if reply is not None:
                        frontend.send_multipart([*envelope, json.dumps(reply).encode()])
                    else:
                        in_hand[envelope[0]] = in_hand.get(envelope[0], 0) + 1
                        connection.setdefault(received[0].get(zmq.SRCFD), set()).add(envelope[0])
                        last_write = time.monotonic()
                idle = time.monotonic() - last_write
                if self.cfg.idle_exit_s is not None and not in_hand and idle > self.cfg.idle_exit_s:
                    print(f"inkscribe daemon: no work for {idle:.0f} s, exiting", flush=True)
                    self.stopping.set()
            while inbox.poll(0):
                frontend.send_multipart(inbox.recv_multipart())
        finally:
            url = urlparse(self.cfg.endpoint)
            if url.scheme == "ipc":   # ours, while we hold its lock
                Path(url.netloc + url.path).unlink(missing_ok=True)
            frontend.disable_monitor()
            monitor.close()
            release(frontend)
            inbox.close()
            self.context.term()

    def stop(self) -> None:
        self.stopping.set()

    def _done(self, in_hand: dict[bytes, int], client: bytes, count: int) -> None:
        left = in_hand.get(client, 0) - count
        if left > 0:
            in_hand[client] = left
        else:
            in_hand.pop(client, None)
            self.gone.discard(client)

    def _on_signal(self, signum, frame) -> None:
        """The first SIGTERM, SIGHUP or SIGINT stops taking work and stops the writing in hand within a
        step (its clients are told); a second one, from someone who will not wait, exits at once."""
        if self.stopping.is_set():
            print("inkscribe daemon: stopped at once by a second signal", flush=True)
            os._exit(1)
        self.stopping.set()

    def _handle(self, envelope: list[bytes], raw: bytes) -> dict | None:
        try:
            op, request = P.parse(raw, self.cfg.limits)
            if op == "ping":
                return {"ok": True, "version": P.VERSION, "op": "pong"}
            if op == "info":
                return {"ok": True, "version": P.VERSION, **self.info, "queued": len(self.jobs), "writing": self.writing,
                        "decoding": self.writer.decoding,
                        "limits": self.cfg.limits.__dict__, "peak_rss_mb": peak_rss_mb(), "pid": os.getpid(),
                        "idle_exit_s": self.cfg.idle_exit_s}
            if self.stopping.is_set():
                raise P.ProtocolError(P.SHUTTING_DOWN, "the daemon is shutting down")
            if op.startswith("learn"):
                return self.learner.handle(op, request)
            for line in request.lines:
                normalise(line)
            full = self.jobs.put(envelope[0], Job(envelope, request, time.monotonic()), P.footprint(request))
            if full == CLIENT_FULL:
                raise P.ProtocolError(P.BUSY, f"{self.cfg.limits.queued_per_client} requests from this client are "
                                              f"already waiting; send more as their answers come")
            if full == ALL_FULL:
                raise P.ProtocolError(P.BUSY, f"the daemon has as much work waiting from all its clients as it "
                                              f"holds ({len(self.jobs)} requests); try again when some are answered")
            return None
        except UnknownCharacterError as e:
            return P.error_reply(P.UNKNOWN_CHARACTERS, str(e))
        except P.ProtocolError as e:
            return e.reply()
        except Exception as e:  # a request must never take the daemon down
            traceback.print_exc()
            return P.error_reply(P.INTERNAL, f"internal error: {e}")

    # ---- reader thread: large requests -----------------------------------------------
    def _read(self) -> None:
        """Check each large request as the main thread does a small one; refusals go out
        through the replies socket, like the model's answers."""
        outbox = self.context.socket(zmq.PUSH)
        outbox.connect(self.replies)
        try:
            while True:
                try:
                    envelope, raw = self.unread.get(timeout=0.1)
                except queue.Empty:
                    if self.stopping.is_set():
                        return
                    continue
                reply = self._handle(envelope, raw)
                if reply is not None:
                    outbox.send_multipart([*envelope, json.dumps(reply).encode()])
        finally:
            outbox.close()

    # ---- worker thread: the model ---------------------------------------------------
    def _work(self) -> None:
        outbox = self.context.socket(zmq.PUSH)
        outbox.connect(self.replies)
        try:
            while not self.stopping.is_set():
                jobs = self.jobs.take(self.cfg.max_batch_chars, 0.1, lambda job: self._piece_size(job)[1])
                if not jobs:
                    continue
                self.writing = len(jobs)
                for job, reply in self._run(jobs):
                    outbox.send_multipart([*job.envelope, json.dumps(reply).encode()])
                self.writing = 0
            for job in self.jobs.drain():  # refused, not dropped: every client hears back
                reply = P.error_reply(P.SHUTTING_DOWN, "the daemon is shutting down" + (
                    "; this request was stopped unfinished" if job.written else ""))
                outbox.send_multipart([*job.envelope, json.dumps(reply).encode()])
        finally:
            outbox.close()

    def _piece(self, job: Job) -> Task:
        """The lines of `job` its next batch writes, as a task of their own, seeded as the
        same lines of the request written whole."""
        first, task = len(job.written), job.task
        lines = job.request.lines[first:first + self._piece_size(job)[0]]
        if task is None:   # not read yet: only its size matters
            return Task(lines)
        return Task(lines, task.hand, task.sample, task.paths[first:first + len(lines)], first_line=first)

    def _piece_size(self, job: Job) -> tuple[int, int]:
        """How many of `job`'s lines go in its next piece (at least one, and as many more as
        keep it within max_batch_chars), and how many characters it writes, counting versions."""
        versions = versions_within(job.request, self.cfg.limits)
        count, chars = 0, 0
        for line in job.request.lines[len(job.written):]:
            more = max(1, len(substituted(line))) * versions
            if count and chars + more > self.cfg.max_batch_chars:
                break
            count, chars = count + 1, chars + more
        return count, chars

    def _task(self, job: Job, started: float) -> Task:
        """The whole request as a task: its pictures read into a hand, its settings checked."""
        waited, r = started - job.received, job.request
        limit = min(self.cfg.limits.timeout_s, r.deadline_s or math.inf)
        if waited > limit:
            # Its client has stopped waiting: not worth a moment of the model's time.
            raise P.ProtocolError(P.TIMEOUT, f"waited {waited:.0f} s in the queue; the limit is {limit:g} s")
        images = [decode_image(data, n, name, self.cfg.limits) for n, (data, name) in
                  enumerate(zip(r.images, r.image_names), 1)]
        sizes = r.font_size if isinstance(r.font_size, list) else [r.font_size] * len(r.lines)
        try:
            hand = self.writer.learnt(r.hand) if r.hand is not None else \
                self.writer.hand(images, r.strokes, r.outlines, r.style_strength, r.image_names)
        except HandFileError as e:
            raise P.ProtocolError(P.BAD_HAND, str(e)) from None
        except NoHandwritingFound as e:
            raise P.ProtocolError(P.NO_HANDWRITING, str(e), [n for n, name in enumerate(r.image_names, 1)
                                                             if name in e.names]) from None
        return Task(r.lines, hand,
                    SampleConfig(temperature=r.temperature, bias=r.bias, seed=r.seed,
                                 versions=versions_within(r, self.cfg.limits)),
                    [PathConfig(font_size=size, smoothing=r.smoothing) for size in sizes])

    def _run(self, jobs: list[Job]) -> list[tuple[Job, dict]]:
        started = time.monotonic()
        done, tasks, ready = [], [], []
        for job in jobs:
            if job.envelope[0] in self.gone:   # nobody to answer
                done.append((job, P.error_reply(P.TIMEOUT, "the client has gone")))
                continue
            try:
                if job.task is None:
                    job.task, job.started = self._task(job, started), started
                elif job.request.deadline_s and started - job.received > job.request.deadline_s:
                    raise P.ProtocolError(P.TIMEOUT, f"not written within {job.request.deadline_s:g} s, the time "
                                                     f"its client waits")
                tasks.append(self._piece(job))
                ready.append(job)
            except P.ProtocolError as e:
                done.append((job, e.reply()))
            except Exception as e:
                traceback.print_exc()
                done.append((job, P.error_reply(P.INTERNAL, f"internal error: {e}")))
        if not ready:
            return done
        try:
            written = self.writer.write(tasks, stop=lambda: self.stopping.is_set() or
                                        all(job.envelope[0] in self.gone for job in ready))
        except Interrupted:
            if not self.stopping.is_set():   # every client in the batch has gone
                return done + [(job, P.error_reply(P.TIMEOUT, "the client has gone")) for job in ready]
            return done + [(job, P.error_reply(P.SHUTTING_DOWN, "the daemon is shutting down; this request was "
                                                                "stopped unfinished")) for job in ready]
        except Exception as e:
            traceback.print_exc()
            return done + [(job, P.error_reply(P.INTERNAL, f"internal error: {e}")) for job in ready]
        finished = time.monotonic()
        total_lines = sum(len(t.lines) for t in tasks)
        for job, lines in zip(ready, written):
            job.written += [_line_reply(line) for line in lines]
            job.batch_lines = max(job.batch_lines, total_lines)
            if len(job.written) < len(job.request.lines):   # the rest in later batches
                self.jobs.put_back(job.envelope[0], job, P.footprint(job.request))
                continue
            done.append((job, {
                "ok": True, "version": P.VERSION, "op": "write", "font_size": job.request.font_size,
                "versions": job.task.sample.versions,
                "lines": job.written,
                "timing": {"queued_s": round(job.started - job.received, 4),
                           "sample_s": round(finished - job.started, 4),
                           "total_s": round(finished - job.received, 4),
                           "batch_lines": job.batch_lines},
            }))
        return done


def _line_reply(line) -> dict:
    strokes = [s.round(2).tolist() for s in line.strokes]
    if line.strokes:
        xy = [p for s in line.strokes for p in s]
        xs, ys = [p[0] for p in xy], [p[1] for p in xy]
        bbox = [round(float(min(xs)), 2), round(float(min(ys)), 2), round(float(max(xs)), 2), round(float(max(ys)), 2)]
    else:
        bbox = None
    words = [{"text": text, "strokes": [first, last],
              "x": [round(float(min(s[:, 0].min() for s in line.strokes[first:last])), 2),
                    round(float(max(s[:, 0].max() for s in line.strokes[first:last])), 2)]}
             for text, first, last in line.words]
    return {"text": line.text, "paths": line.paths, "strokes": strokes, "bbox": bbox, "words": words,
            "points": int(len(line.offsets))}


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere

