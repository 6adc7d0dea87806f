"""CurveZMQ keys (pyzmq's zmq.auth): the daemon proves who it is, encrypts the traffic, and
lets in only clients whose public keys it holds. Needed to listen beyond this machine.

A key folder holds server.key and server.key_secret (the daemon's), client.key and
client.key_secret (a client's), and clients/ (the public keys the daemon lets in). The daemon
needs server.key_secret and clients/; a client needs server.key and its client.key_secret.
"""
import os
import shutil
from pathlib import Path

import zmq

KEYS_VARIABLE = "INKSCRIBE_KEYS"
ALLOWED = "clients"


def default_keys() -> str | None:
    return os.environ.get(KEYS_VARIABLE) or None


def make_keys(folder: str | Path) -> None:
    """A server key pair, one client key pair, and that client let in."""
    folder = Path(folder)
    # Only this user may read the secret keys: any user who can is the daemon, or its client.
    before = os.umask(0o077)
    try:
        (folder / ALLOWED).mkdir(parents=True, exist_ok=True)
        for name in ("server", "client"):
            if not (folder / f"{name}.key_secret").exists():
                import zmq.auth   # here: not every command that knows of keys makes or reads them

                zmq.auth.create_certificates(folder, name)
        shutil.copy(folder / "client.key", folder / ALLOWED / "client.key")
    finally:
        os.umask(before)
    for name in ("server", "client"):   # also where an earlier version left them readable
        os.chmod(folder / f"{name}.key_secret", 0o600)


def _load(path: Path, secret: bool) -> tuple[bytes, bytes | None]:
    import zmq.auth

    try:
        return zmq.auth.load_certificate(path)
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read the {'secret ' if secret else ''}key {path}: {e} "
                         f"(make keys with 'inkscribe keys {path.parent}')") from None


def serve_securely(socket: zmq.Socket, folder: str | Path) -> "zmq.auth.thread.ThreadAuthenticator":
    """Make `socket` (not yet bound) a CurveZMQ server letting in the keys in folder/clients;
    returns the authenticator, to be stopped when the socket closes."""
    folder = Path(folder)
    public, secret = _load(folder / "server.key_secret", secret=True)
    if not (folder / ALLOWED).is_dir():
        raise ValueError(f"{folder / ALLOWED} is missing: it holds the public keys of the clients let in")
    # Imported here: it brings asyncio, a third of what `inkscribe write` would import.
    from zmq.auth.thread import ThreadAuthenticator

    auth = ThreadAuthenticator(zmq.Context.instance())
    auth.start()
    auth.configure_curve(domain="*", location=str(folder / ALLOWED))
    socket.curve_secretkey, socket.curve_publickey, socket.curve_server = secret, public, True
    return auth


def connect_securely(socket: zmq.Socket, folder: str | Path) -> None:
    """Make `socket` (not yet connected) a CurveZMQ client of the daemon whose key is in `folder`."""
    folder = Path(folder)
    server, _ = _load(folder / "server.key", secret=False)
    public, secret = _load(folder / "client.key_secret", secret=True)
    socket.curve_serverkey, socket.curve_publickey, socket.curve_secretkey = server, public, secret
