"""The daemon's life: started, stopped by signal or command, killed under a client, two at once, keys."""
import json
import os
import subprocess
import sys
import signal
import socket
import struct
import threading
import time

import pytest
import zmq

from daemon_process import DaemonProcess, free_endpoint, until
from inkscribe.daemon import protocol
from inkscribe.daemon.client import Client, DaemonError, DaemonUnavailable


def test_killed_daemon_fails_the_client_within_its_timeout_and_restarts(weights):
    process = DaemonProcess(weights)
    client = Client(process.endpoint, timeout=3, retries=1)
    errors = []

    def long_write():
        try:
            client.write(["a fairly long line of text to write"] * 40)
        except DaemonUnavailable as e:
            errors.append(e)

    started = time.monotonic()
    thread = threading.Thread(target=long_write)
    thread.start()
    time.sleep(0.5)
    process.process.kill()
    thread.join(timeout=20)
    assert not thread.is_alive() and errors, "the client hung or did not report the dead daemon"
    assert time.monotonic() - started < 10
    process.process.wait()
    again = DaemonProcess(weights, process.endpoint)
    try:
        assert again.process.poll() is None and Client(again.endpoint).ping()
    finally:
        again.stop()


def test_client_without_daemon_gives_up_at_once_however_long_it_would_wait():
    client = Client(free_endpoint(), timeout=60, retries=1)
    started = time.monotonic()
    with pytest.raises(DaemonUnavailable, match="no inkscribe daemon is running"):
        client.info()
    assert client.ping(timeout=60) is False
    assert time.monotonic() - started < 1   # nothing listens: the connection is refused, no need to wait


def test_sigterm_stops_cleanly_and_frees_the_endpoint(weights):
    process = DaemonProcess(weights)
    out = process.stop()
    assert process.process.returncode == 0
    assert "listening on " + process.endpoint in out and "stopped" in out
    again = DaemonProcess(weights, process.endpoint)
    again.stop()
    assert again.process.returncode == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_a_long_request_stops_within_seconds_and_tells_its_client(weights, tmp_path, sig):
    socket_path = tmp_path / "inkscribe.sock"
    process = DaemonProcess(weights, f"ipc://{socket_path}")
    client = Client(process.endpoint, timeout=120)
    answer = {}
    heavy = threading.Thread(target=lambda: answer.update(error=_error_of(lambda: client.write(
        [" ".join(["wordy"] * 50)] * 40, versions=8))))
    heavy.start()
    until(process.endpoint, lambda i: i["writing"])   # in the writing: the request takes minutes
    started = time.monotonic()
    out = process.stop(sig)
    heavy.join(timeout=30)
    assert time.monotonic() - started < 10 and process.process.returncode == 0 and "stopped" in out
    assert "shutting down" in answer["error"] and "unfinished" in answer["error"]
    assert not socket_path.exists()


def _error_of(call) -> str:
    try:
        call()
    except DaemonError as e:
        return str(e)
    return "no error"


def test_an_idle_daemon_exits_by_itself_when_asked_to(weights):
    process = DaemonProcess(weights, None, "--idle-exit", "2")
    assert Client(process.endpoint, timeout=60).write("one line", seed=1)["lines"][0]["paths"]
    process.process.wait(timeout=30)
    assert process.process.returncode == 0 and "no work for" in process.stop()


def test_daemon_stop_ends_a_running_daemon_and_says_when_there_is_none(weights):
    process = DaemonProcess(weights)
    stop = [sys.executable, "-m", "inkscribe.daemon.cli", "daemon", "--stop", "--endpoint", process.endpoint]
    done = subprocess.run(stop, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "stopped the daemon" in done.stderr
    process.process.wait(timeout=30)
    again = subprocess.run(stop, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "no daemon answers" in again.stderr


def test_of_two_daemons_started_at_once_one_serves_and_the_other_says_who_holds_the_endpoint(weights):
    endpoint = free_endpoint()
    start = [sys.executable, "-m", "inkscribe.daemon.cli", "daemon", "--endpoint", endpoint, "--checkpoint",
             str(weights), "--device", "cpu"]
    both = [subprocess.Popen(start, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while all(p.poll() is None for p in both) and time.monotonic() < deadline:
            time.sleep(0.2)
        (loser,) = [p for p in both if p.poll() is not None]
        err = loser.stderr.read()
        assert loser.returncode == 1 and "Traceback" not in err
        assert any(m in err for m in ("held by another inkscribe daemon (pid", "a daemon already answers",
                                      "or an inkscribe daemon still loading its model"))
        assert Client(endpoint).ping(timeout=10)
    finally:
        for p in both:
            p.terminate()
            p.communicate(timeout=30)


def test_daemon_refuses_to_listen_beyond_this_machine_unless_asked(weights):
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "daemon", "--endpoint",
                           "tcp://0.0.0.0:5999", "--checkpoint", str(weights)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1 and "--allow-remote" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "daemon", "--endpoint",
                           "tcp://0.0.0.0:5999", "--allow-remote", "--checkpoint", str(weights)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "INKSCRIBE_KEYS": ""})
    assert done.returncode == 1 and "give --keys DIR" in done.stderr and "Traceback" not in done.stderr


def test_a_daemon_with_keys_answers_only_clients_that_hold_one(weights, tmp_path, monkeypatch):
    keys, stranger = tmp_path / "keys", tmp_path / "stranger"
    for folder in (keys, stranger):
        subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "keys", str(folder)], check=True,
                       capture_output=True)
    monkeypatch.setenv("INKSCRIBE_KEYS", str(keys))   # for the daemon and for the clients here
    process = DaemonProcess(weights)
    try:
        assert Client(process.endpoint).write("between us", seed=1)["lines"][0]["paths"]
        assert not Client(process.endpoint, keys=str(stranger)).ping(timeout=1.5)   # a key not let in
        monkeypatch.delenv("INKSCRIBE_KEYS")
        assert not Client(process.endpoint).ping(timeout=1.5)                        # no key at all
    finally:
        process.stop()


def test_ipc_endpoint_leaves_no_stale_socket_behind(weights, tmp_path):
    socket_path = tmp_path / "inkscribe.sock"
    process = DaemonProcess(weights, f"ipc://{socket_path}")
    assert socket_path.exists() and Client(process.endpoint).write("over ipc", seed=1)["lines"][0]["paths"]
    process.stop()
    assert process.process.returncode == 0 and not socket_path.exists()


def test_a_second_daemon_on_an_ipc_path_leaves_the_first_ones_socket_alone(tmp_path):
    # Two daemons starting at once, neither answering yet: ZeroMQ alone would let the second
    # replace the first one's socket file.
    from inkscribe.daemon.frontend import claim, release
    endpoint = f"ipc://{tmp_path / 'inkscribe.sock'}"
    first = claim(endpoint, protocol.Limits())
    try:
        inode = (tmp_path / "inkscribe.sock").stat().st_ino
        with pytest.raises(zmq.ZMQError):
            claim(endpoint, protocol.Limits())
        assert (tmp_path / "inkscribe.sock").stat().st_ino == inode
    finally:
        release(first)
    release(claim(endpoint, protocol.Limits()))   # free again once the first has gone


def test_a_lock_file_planted_as_a_symbolic_link_is_refused_and_its_target_not_made(tmp_path):
    from inkscribe.daemon.frontend import claim
    (tmp_path / "b.sock.lock").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError, match="symbolic link"):
        claim(f"ipc://{tmp_path / 'b.sock'}", protocol.Limits())
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "b.sock").exists()


def test_secret_keys_are_readable_by_their_owner_only(tmp_path):
    from inkscribe.daemon.keys import make_keys
    make_keys(tmp_path / "keys")
    for name in ("server", "client"):
        assert (tmp_path / "keys" / f"{name}.key_secret").stat().st_mode & 0o077 == 0
    assert (tmp_path / "keys").stat().st_mode & 0o077 == 0


def test_daemon_stop_signals_nothing_that_is_not_an_inkscribe_daemon_of_this_user(tmp_path):
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    endpoint = free_endpoint()
    impostor = zmq.Context.instance().socket(zmq.ROUTER)
    impostor.bind(endpoint)

    done_asking = threading.Event()

    def answer():   # whatever is asked: "I am a daemon, and my pid is the bystander's"
        while not done_asking.is_set():
            if impostor.poll(100):
                *envelope, _ = impostor.recv_multipart()
                impostor.send_multipart([*envelope, json.dumps({"ok": True, "version": 1,
                                                                "pid": bystander.pid}).encode()])

    answering = threading.Thread(target=answer, daemon=True)
    answering.start()
    try:
        done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "daemon", "--stop", "--endpoint", endpoint],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and "not an inkscribe daemon" in done.stderr
        assert bystander.poll() is None
    finally:
        bystander.kill()
        done_asking.set()
        answering.join()
        impostor.close()


def _stalled_peer(endpoint: str) -> socket.socket:
    """A TCP peer that speaks ZeroMQ's handshake by hand, then stops 10 bytes short of a
    6 MiB message, as a hostile one would to hold the daemon's memory."""
    host, port = endpoint[len("tcp://"):].split(":")
    peer = socket.create_connection((host, int(port)))
    peer.sendall(b"\xff" + b"\x00" * 8 + b"\x7f" + bytes([3, 1]) + b"NULL".ljust(20, b"\x00") + b"\x00" * 32)
    ready = b"\x05READY" + b"\x0bSocket-Type" + struct.pack(">I", 6) + b"DEALER"
    peer.sendall(bytes([0x04, len(ready)]) + ready)
    size = 6 * 2**20
    peer.sendall(b"\x02" + struct.pack(">Q", size) + b"x" * (size - 10))
    return peer


def test_a_peer_that_stalls_part_way_through_a_message_is_cut_off_and_its_part_dropped(weights):
    process = DaemonProcess(weights)
    try:
        peers = [_stalled_peer(process.endpoint) for _ in range(4)]
        started = time.monotonic()
        for peer in peers:
            peer.settimeout(60)
            while peer.recv(65536):   # the daemon's pings, until it closes the connection
                pass
        assert time.monotonic() - started < protocol.Limits().stall_s + 20   # pings come every third of it
        assert Client(process.endpoint).ping()
    finally:
        process.stop()


def test_connections_past_the_limit_are_shut_as_they_open_and_the_daemon_answers_on(weights):
    process = DaemonProcess(weights)
    limit = protocol.Limits().connections
    host, port = process.endpoint[len("tcp://"):].split(":")
    try:
        peers = [socket.create_connection((host, int(port))) for _ in range(limit + 4)]
        shut, deadline = set(), time.monotonic() + 8   # before the handshake's own timeout (10 s)
        while len(shut) < 4 and time.monotonic() < deadline:
            for k, peer in enumerate(peers):
                peer.settimeout(0.01)
                try:
                    if peer.recv(65536) == b"":
                        shut.add(k)
                except (socket.timeout, BlockingIOError):
                    pass
        assert len(shut) >= 4
        for peer in peers:
            peer.close()
        assert Client(process.endpoint).ping()
    finally:
        process.stop()
