"""The daemon's front door: the ROUTER socket bound to its endpoint, held by one daemon alone."""
import errno
import fcntl
import os
from urllib.parse import urlparse

import zmq

from . import protocol as P
from .keys import serve_securely

ENVELOPE_BYTES = 4096   # room for routing frames beside a message at the size limit


class Frontend(zmq.Socket):
    """The daemon's ROUTER socket, holding the lock beside an ipc socket file and the
    CurveZMQ authenticator while it lives."""
    lock = None
    auth = None


def claim(endpoint: str, limits: P.Limits, keys: str | None = None) -> zmq.Socket:
    """The daemon's ROUTER socket, bound to `endpoint`: binding is what makes one daemon the
    only one there (raises zmq.ZMQError when another holds it).

    ZeroMQ binds an ipc path by replacing whatever file is there, so a second daemon would
    take a live one's socket (and delete it on exit): a lock beside the path says who owns it.
    """
    frontend = zmq.Context.instance().socket(zmq.ROUTER, socket_class=Frontend)
    frontend.setsockopt(zmq.LINGER, 0)
    # A message over the limit cuts its sender off before the daemon buffers it; the
    # client refuses to send one, with a clear error.
    frontend.setsockopt(zmq.MAXMSGSIZE, limits.message_bytes + ENVELOPE_BYTES)
    # ZeroMQ holds a message as it arrives, before the daemon sees it: a peer that stalls
    # part-way through one would hold up to that limit for as long as it stays connected
    # (150 of them took the daemon 600 MiB past its bound). Every peer is pinged; one that
    # neither answers nor finishes a message within the timeout is cut off and its part
    # dropped. Real clients answer from ZeroMQ's own thread, busy or not.
    frontend.setsockopt(zmq.HEARTBEAT_IVL, int(limits.stall_s * 1000 / 3))
    frontend.setsockopt(zmq.HEARTBEAT_TIMEOUT, int(limits.stall_s * 1000))
    frontend.setsockopt(zmq.HANDSHAKE_IVL, int(limits.stall_s * 1000))
    try:
        if keys:
            frontend.auth = serve_securely(frontend, keys)
        url = urlparse(endpoint)
        if url.scheme == "ipc":
            lock = f"{url.netloc}{url.path}.lock"
            try:   # not through a link someone planted: it would create (or lock) the link's target
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            except OSError as e:
                if e.errno == errno.ELOOP:
                    raise OSError(errno.ELOOP, f"{lock} is a symbolic link; remove it, or choose another endpoint") \
                        from None
                raise
            frontend.lock = os.fdopen(fd, "a")
            try:
                fcntl.flock(frontend.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise zmq.ZMQError(errno.EADDRINUSE) from None
        frontend.bind(endpoint)
    except (zmq.ZMQError, OSError, ValueError):
        release(frontend)
        raise
    return frontend


def release(frontend: Frontend) -> None:
    frontend.close()
    if frontend.lock is not None:
        frontend.lock.close()
    if frontend.auth is not None:
        frontend.auth.stop()


def split_envelope(frames: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """ROUTER frames -> (routing envelope up to the empty delimiter, the message's frames)."""
    if b"" in frames:
        cut = frames.index(b"") + 1
        return frames[:cut], frames[cut:]
    return frames[:1], frames[1:]   # a DEALER without a delimiter: the identity alone
