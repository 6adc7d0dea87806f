"""The daemon as a real process on a loopback port, driven by the real client over ZeroMQ."""
import base64
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import zmq
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree
from PIL import Image

import synthetic
from daemon_process import DaemonProcess, free_endpoint, tiny_weights
from inkscribe.daemon import protocol
from inkscribe.daemon.client import Client, DaemonError, DaemonUnavailable
from inkscribe.model.style.references import render
from inkscribe.model.page.svg import PAIR

SVG = "{http://www.w3.org/2000/svg}"
INKSCAPE = "http://www.inkscape.org/namespaces/inkscape"


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return tiny_weights(tmp_path_factory.mktemp("weights") / "tiny.pt")


@pytest.fixture(scope="module")
def daemon(weights):
    process = DaemonProcess(weights)
    yield process
    process.stop()


@pytest.fixture
def client(daemon):
    return Client(daemon.endpoint, timeout=60)


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


def handwriting_png() -> bytes:
    buffer = io.BytesIO()
    render(synthetic.lines(1)[0].offsets, px_per_unit=4).save(buffer, "PNG")
    return buffer.getvalue()


def test_round_trip_writes_each_line_as_svg_paths(client):
    reply = client.write("hello world\n\nQuiz 42!", seed=1, font_size=40)
    lines = reply["lines"]
    assert [l["text"] for l in lines] == ["hello world", "", "Quiz 42!"]
    assert lines[0]["paths"] and lines[0]["paths"][0].startswith("M")
    assert len(lines[0]["paths"]) == len(lines[0]["strokes"])
    assert lines[1]["paths"] == [] and lines[1]["bbox"] is None
    assert reply["timing"]["total_s"] > 0
    # Each word says which strokes are its own and where it lies, for layout by measured width.
    words = lines[0]["words"]
    assert [w["text"] for w in words] == ["hello", "world"]
    assert words[0]["strokes"][0] == 0 and words[0]["strokes"][1] == words[1]["strokes"][0]
    assert words[1]["strokes"][1] == len(lines[0]["strokes"])
    assert words[0]["x"][0] == lines[0]["bbox"][0] and words[0]["x"][1] < words[1]["x"][0]


def test_a_daemon_told_to_compile_its_decoding_step_writes_what_an_uncompiled_one_does(weights, client):
    process = DaemonProcess(weights, None, "--compile")
    try:
        compiled = Client(process.endpoint, timeout=60)
        decoding = compiled.info()["decoding"]
        if shutil.which("g++") or shutil.which("c++"):
            assert decoding == "compiled"
        else:   # no C++ compiler: the daemon says why and writes as it would have
            assert decoding.startswith("uncompiled: ")
        assert client.info()["decoding"] == "uncompiled"
        for text, seed in (("an early word", 4), ("hello world", 1), ("x", 2)):
            ours = compiled.write(text, seed=seed)["lines"][0]
            theirs = client.write(text, seed=seed)["lines"][0]
            assert len(ours["strokes"]) == len(theirs["strokes"])
            for a, b in zip(ours["strokes"], theirs["strokes"]):
                np.testing.assert_allclose(a, b, atol=0.05)   # px: float rounding apart
    finally:
        said = process.stop()
    assert "compiled in" in said or "could not be compiled" in said


def test_same_seed_writes_the_same_strokes(client):
    a = client.write("repeat me", seed=7)["lines"][0]["paths"]
    b = client.write("repeat me", seed=7)["lines"][0]["paths"]
    c = client.write("repeat me", seed=8)["lines"][0]["paths"]
    assert a == b and a != c


def test_texts_of_several_sizes_go_in_one_request(client):
    small = client.write(["a few words", "more"], seed=5, font_size=10)["lines"]
    mixed = client.write(["a few words", "more"], seed=5, font_size=[10, 40])["lines"]
    large = client.write(["a few words", "more"], seed=5, font_size=40)["lines"]
    assert mixed[0]["paths"] == small[0]["paths"] and mixed[1]["paths"] == large[1]["paths"]
    assert large[1]["bbox"][2] == pytest.approx(4 * small[1]["bbox"][2], rel=0.01)
    with pytest.raises(DaemonError, match="2 sizes for 1 lines"):
        client.write(["one line"], font_size=[10, 20])


def test_style_images_are_accepted(client):
    assert client.write("styled", style_images=[handwriting_png()], seed=1)["lines"][0]["paths"]


def test_strokes_drawn_by_hand_give_the_style_and_a_dot_is_refused_by_name(client):
    drawn = synthetic.strokes_for("hello world", np.random.default_rng(0))
    nib = np.array([0.2, -0.1])   # a calligraphy tool's outline of each stroke
    outlines = [np.concatenate([s + nib, s[::-1] - nib]).tolist() for s in drawn]
    own = client.write("styled", seed=1)["lines"][0]["paths"]
    assert client.write("styled", style_strokes=[s.tolist() for s in drawn], seed=1)["lines"][0]["paths"] != own
    assert client.write("styled", style_outlines=outlines, seed=1)["lines"][0]["paths"] != own
    with pytest.raises(DaemonError, match="no handwriting found in the drawn strokes"):
        client.write("styled", style_images=[handwriting_png()], style_strokes=[[[0, 0], [0.1, 0]]])


def test_style_strength_moves_the_writing_further_from_the_models_own_hand(client):
    picture = handwriting_png()
    as_read = client.write("styled", style_images=[picture], seed=1)["lines"][0]["paths"]
    stronger = client.write("styled", style_images=[picture], seed=1, style_strength=2.0)["lines"][0]["paths"]
    assert stronger != as_read
    with pytest.raises(DaemonError, match="'style_strength' must be between 0.0 and 3.0"):
        client.write("styled", style_images=[picture], style_strength=9)


def test_the_daemon_keeps_the_most_legible_of_several_versions_of_each_word(client):
    # The daemon reads its versions with the shipped stroke reader; one version is the word's
    # first, as written without one.
    once = client.write("two words", seed=4, versions=1)["lines"][0]["paths"]
    assert client.write("two words", seed=4, versions=1)["lines"][0]["paths"] == once
    assert client.write("two words", seed=4, versions=8)["lines"][0]["paths"] != once
    with pytest.raises(DaemonError, match="'versions' must be between 1 and 8"):
        client.write("two words", versions=0)
    # A long request gets fewer versions, within the limit on characters written.
    assert client.write("two words", versions=8)["versions"] == 8
    from inkscribe.daemon.server import versions_within
    longest = protocol.WriteRequest(["x" * 300] * 200, [], versions=8)
    assert versions_within(longest, protocol.Limits()) == 1
    assert versions_within(protocol.WriteRequest(["x" * 300] * 40, [], versions=8), protocol.Limits()) == 5


def test_info_describes_the_loaded_model(client):
    info = client.info()
    assert info["model"]["config"]["d_model"] == 32 and info["device"] == "cpu"
    assert info["limits"]["lines"] == protocol.Limits().lines


def test_eight_concurrent_clients_are_all_answered(daemon):
    results = {}

    def one(i):
        results[i] = Client(daemon.endpoint, timeout=120).write(f"client {i}", seed=i)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(8))
    assert all(r["lines"][0]["text"] == f"client {i}" for i, r in results.items())
    # Requests that arrived together were sampled together.
    assert max(r["timing"]["batch_lines"] for r in results.values()) > 1


def test_a_client_that_floods_waits_behind_its_own_work_not_in_front_of_others(daemon):
    flood = zmq.Context.instance().socket(zmq.DEALER)
    flood.setsockopt(zmq.LINGER, 0)
    flood.connect(daemon.endpoint)
    try:
        heavy = protocol.write_message([" ".join(["handwriting"] * 25)] * 8, seed=1, versions=1)
        for _ in range(12):
            flood.send_multipart([b"", heavy])
        until(daemon.endpoint, lambda i: i["writing"] and i["queued"] >= 7)   # before the other client asks
        answers, answered_before_mine = [], None
        while flood.poll(0):
            answers.append(json.loads(flood.recv_multipart()[-1]))
        answered_already = sum(a["ok"] for a in answers)
        mine = {}
        other = threading.Thread(target=lambda: mine.update(Client(daemon.endpoint, timeout=120).write("hi", seed=2)))
        other.start()
        while len(answers) < 12:
            assert flood.poll(120_000), "the flood went unanswered"
            answers.append(json.loads(flood.recv_multipart()[-1]))
            if mine and answered_before_mine is None:
                answered_before_mine = sum(a["ok"] for a in answers[:-1])
        other.join()
        refused = [a["error"] for a in answers if not a["ok"]]
        # Eight wait (besides one the model may have taken at once); the rest are refused.
        assert len(refused) in (3, 4) and all(e["code"] == protocol.BUSY for e in refused)
        assert "already waiting" in refused[0]["message"]
        assert mine["lines"][0]["text"] == "hi"
        # Of the flood still waiting, at most the batch in hand and one beside mine went first.
        assert answered_before_mine is not None and answered_before_mine - answered_already <= 2
    finally:
        flood.close()


def test_work_whose_client_stopped_waiting_is_dropped_unwritten(daemon):
    busy = threading.Thread(target=lambda: Client(daemon.endpoint, timeout=120).write(
        [" ".join(["handwriting"] * 25)] * 32, seed=1, versions=1))
    busy.start()
    until(daemon.endpoint, lambda i: i["writing"])
    reply = raw_request(daemon.endpoint, protocol.write_message(["late"], deadline_s=0.1))
    busy.join()
    assert reply["ok"] is False and reply["error"]["code"] == protocol.TIMEOUT


def test_the_work_of_a_client_that_has_gone_is_not_written(daemon):
    heavy = protocol.write_message([" ".join(["handwriting"] * 25)] * 32, seed=1, versions=1)
    gone = zmq.Context.instance().socket(zmq.REQ)
    gone.setsockopt(zmq.LINGER, 0)
    gone.connect(daemon.endpoint)
    gone.send(heavy)
    until(daemon.endpoint, lambda i: i["writing"])   # taken by the model
    gone.close()      # as a client does that gives up: its connection closes
    started = time.monotonic()
    reply = Client(daemon.endpoint, timeout=60).write("next", seed=2, versions=1)
    assert reply["lines"][0]["text"] == "next"
    # The abandoned batch is stopped within a step; written through, it takes many seconds.
    assert time.monotonic() - started < 3.0


def test_forty_connections_at_once_are_bounded_in_all_not_only_each(weights):
    daemon = DaemonProcess(weights)
    try:
        heavy = json.dumps({"op": "write", "lines": [" ".join(["handwriting"] * 25)] * 32, "versions": 1}).encode()
        raw_request(daemon.endpoint, heavy, timeout=300)   # what the writing itself takes, measured apart
        before = Client(daemon.endpoint).info()["peak_rss_mb"]
        # Four pictures as large as a request may hold (refused once decoded: not PNGs).
        picture = base64.b64encode(b"\x89PNG" + os.urandom(int(1.1 * 2**20))).decode()
        with_pictures = json.dumps({"op": "write", "lines": ["x"], "images": [picture] * 4}).encode()
        sockets = []
        for k in range(40):
            socket = zmq.Context.instance().socket(zmq.REQ)
            socket.setsockopt(zmq.LINGER, 0)
            socket.connect(daemon.endpoint)
            socket.send(heavy if k == 0 else with_pictures)
            sockets.append(socket)
            if k == 0:   # the model busy with the first, the rest queue
                until(daemon.endpoint, lambda i: i["writing"])
        # Answered while forty connections wait (a ping behind them would wait minutes);
        # how fast, on a loaded machine, is the benchmark's to say (bench-daemon).
        assert Client(daemon.endpoint).ping(timeout=5)
        replies = [json.loads(s.recv()) for s in sockets[1:] if s.poll(120_000)]
        for s in sockets:
            s.close()
        assert len(replies) == 39
        refused = [r for r in replies if not r["ok"] and r["error"]["code"] == protocol.BUSY]
        assert refused and all("from all its clients" in r["error"]["message"] for r in refused)
        grew = Client(daemon.endpoint).info()["peak_rss_mb"] - before
        print(f"peak resident memory grew {grew:.0f} MiB")
        # What the limits allow in all: every connection's one message in transit, the
        # queue's bytes and one request's pictures decoded, with half as much again for the
        # allocator (measured: 70-380 MiB from run to run; a quarter more failed a clean
        # clone's suite at 380.5 MiB). Held without a bound in all, the 39 requests'
        # messages, parsed and decoded, would take about 16 MiB each (an estimate), some
        # 600 MiB: still over this.
        limits = protocol.Limits()
        allowed = 1.5 * (40 * limits.message_bytes + limits.queued_bytes + 4 * limits.image_bytes) / 2**20
        assert grew < allowed
    finally:
        daemon.stop()


def _png(size, mode="L") -> str:
    buffer = io.BytesIO()
    Image.new(mode, size, 255).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _picture(format: str) -> str:
    buffer = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 256, (32, 64), dtype=np.uint8)
    Image.fromarray(noise).save(buffer, format)
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize("payload, code", [
    (b"{not json", protocol.BAD_JSON),
    (b"\xff\xfe", protocol.BAD_JSON),
    (b"[1, 2]", protocol.BAD_REQUEST),
    (b'{"lines": ["x"]}', protocol.UNKNOWN_OP),
    (b'{"op": "write"}', protocol.BAD_REQUEST),
    (b'{"op": "write", "lines": "not a list"}', protocol.BAD_REQUEST),
    (b'{"op": "write", "lines": [1, 2]}', protocol.BAD_REQUEST),
    (b'{"op": "write", "lines": ["   ", ""]}', protocol.BAD_REQUEST),
    (b'{"op": "write", "lines": ["x"], "temperature": "hot"}', protocol.BAD_REQUEST),
    (b'{"op": "write", "lines": ["x"], "temperature": 99}', protocol.BAD_REQUEST),
    (b'{"op": "write", "lines": ["x"], "seed": 1.5}', protocol.BAD_REQUEST),
    (json.dumps({"op": "write", "lines": ["x" * 5000]}).encode(), protocol.TEXT_TOO_LONG),
    (json.dumps({"op": "write", "lines": ["x"] * 1000}).encode(), protocol.TOO_MANY_LINES),
    (json.dumps({"op": "write", "lines": ["caf\u00e9 \u4e2d"]}).encode(), protocol.UNKNOWN_CHARACTERS),
    (json.dumps({"op": "write", "lines": ["x"], "images": ["@@@"]}).encode(), protocol.BAD_IMAGE),
    (json.dumps({"op": "write", "lines": ["x"], "images": [base64.b64encode(b"GIF89a broken").decode()]}).encode(),
     protocol.BAD_IMAGE),
    (json.dumps({"op": "write", "lines": ["x"], "images": [_png((10000, 8000), "1")]}).encode(),
     protocol.IMAGE_TOO_LARGE),
    (json.dumps({"op": "write", "lines": ["x"], "images": [_png((200, 80))]}).encode(), protocol.NO_HANDWRITING),
    (json.dumps({"op": "write", "lines": ["x"], "images": [_png((8, 8))] * 20}).encode(), protocol.TOO_MANY_IMAGES),
    (b"[" * 100000, protocol.BAD_JSON),
    (b'{"op": "ping", "version": 99}', protocol.UNSUPPORTED_VERSION),
    (json.dumps({"op": "write", "lines": ["x"], "images": [_picture("GIF")]}).encode(), protocol.BAD_IMAGE),
    (json.dumps({"op": "write", "lines": ["x"], "images": [_picture("BMP")]}).encode(), protocol.BAD_IMAGE),
    (json.dumps({"op": "write", "lines": ["x"], "images": [_picture("PNG")[:1000]]}).encode(), protocol.BAD_IMAGE),
    (b'{"op": "write", "lines": ["x"], "strokes": "scribble"}', protocol.BAD_STROKES),
    (b'{"op": "write", "lines": ["x"], "strokes": [[[0, "a"]]]}', protocol.BAD_STROKES),
    (b'{"op": "write", "lines": ["x"], "outlines": [[[0, 1, 2]]]}', protocol.BAD_STROKES),
    (b'{"op": "write", "lines": ["x"], "strokes": [[[0, NaN]]]}', protocol.BAD_STROKES),
    (json.dumps({"op": "write", "lines": ["x"], "strokes": [[[0, 0]] * 100_001]}).encode(), protocol.BAD_STROKES),
    (b'{"op": "write", "lines": ["x"], "strokes": [[[0, 0], [0.1, 0]]]}', protocol.NO_HANDWRITING),
    (b'{"op": ["x"]}', protocol.UNKNOWN_OP),
    (b'{"op": {"a": 1}, "lines": ["x"]}', protocol.UNKNOWN_OP),
    (b'{"op": "write", "lines": ["x"], "strokes": [[[1e308, -1e308], [0, 1]]]}', protocol.BAD_STROKES),
    (b'{"op": "write", "lines": ["x"], "strokes": [[[1' + b"0" * 400 + b', 0], [0, 1]]]}', protocol.BAD_STROKES),
    (b'{"op": "ping", "version": [1]}', protocol.UNSUPPORTED_VERSION),
    (b'{"op": "write", "lines": ["x"], "images": ' + b"[[]," * 600_000 + b"[]]}", protocol.MESSAGE_TOO_LARGE),
])
def test_bad_requests_get_a_structured_error_and_the_daemon_lives_on(daemon, payload, code):
    reply = raw_request(daemon.endpoint, payload)
    assert reply["ok"] is False and reply["error"]["code"] == code
    assert reply["error"]["message"] and " at 0x" not in reply["error"]["message"]
    assert Client(daemon.endpoint).ping()


@pytest.mark.parametrize("second, code", [(_picture("GIF"), protocol.BAD_IMAGE), (_png((200, 80)), protocol.NO_HANDWRITING)])
def test_an_image_that_cannot_give_the_style_is_said_by_the_name_the_client_gave_it(daemon, second, code):
    from inkscribe.model.style.references import render
    from synthetic import lines

    good = io.BytesIO()
    render(lines()[0].offsets, 4).save(good, "PNG")
    request = {"op": "write", "lines": ["x"], "images": [base64.b64encode(good.getvalue()).decode(), second],
               "image_names": ["her-note.png", "the image “Scan of Ada's note”"]}
    reply = raw_request(daemon.endpoint, json.dumps(request).encode())
    assert reply["error"]["code"] == code and reply["error"]["images"] == [2]
    assert "the image “Scan of Ada's note”" in reply["error"]["message"] and "her-note" not in reply["error"]["message"]
    request["image_names"] = ["one name for two images"]
    assert raw_request(daemon.endpoint, json.dumps(request).encode())["error"]["code"] == protocol.BAD_REQUEST


def test_a_misspelt_field_is_named_with_what_was_meant(daemon):
    reply = raw_request(daemon.endpoint, json.dumps({"op": "write", "lines": ["x"], "style_images": []}).encode())
    assert reply["error"]["code"] == protocol.BAD_REQUEST
    assert "'style_images'" in reply["error"]["message"] and "did you mean 'images'" in reply["error"]["message"]


def test_a_huge_field_name_is_refused_without_echoing_it_and_pings_go_on(daemon):
    name = "x" * (protocol.Limits().message_bytes - 100)
    ping_took = []

    def pings():
        for _ in range(10):
            started = time.monotonic()
            assert Client(daemon.endpoint).ping(timeout=5)
            ping_took.append(time.monotonic() - started)

    pinger = threading.Thread(target=pings)
    pinger.start()
    reply = raw_request(daemon.endpoint, json.dumps({"op": "ping", name: 1}).encode())
    pinger.join()
    assert reply["error"]["code"] == protocol.BAD_REQUEST and len(reply["error"]["message"]) < 200
    assert max(ping_took) < 1.0


def test_a_request_is_one_frame(daemon):
    socket = zmq.Context.instance().socket(zmq.REQ)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(daemon.endpoint)
    try:
        socket.send_multipart([b"garbage", b'{"op": "ping"}'])
        assert socket.poll(30_000)
        (reply,) = socket.recv_multipart()       # no routing frame of ours echoed back
        assert json.loads(reply)["error"]["code"] == protocol.BAD_REQUEST
    finally:
        socket.close()


def test_windows_line_ends_are_read_as_the_command_line_reads_them(client):
    assert [l["text"] for l in client.write("one\r\ntwo", seed=1)["lines"]] == ["one", "two"]


def test_the_client_refuses_a_message_over_the_limit_at_once(client):
    huge = b"\0" * (protocol.Limits().message_bytes + 1)
    with pytest.raises(DaemonError, match="the limit is 6 MiB"):
        client.write("x", style_images=[huge])


def test_unknown_characters_are_named_in_the_error(client):
    with pytest.raises(DaemonError) as err:
        client.write("na\u00efve \u20b95")
    assert err.value.code == protocol.UNKNOWN_CHARACTERS and "U+20B9" in str(err.value) and "U+00EF" not in str(err.value)


def test_accented_letters_are_written_with_their_marks(client):
    plain, = client.write("naive", seed=3)["lines"]
    accented, = client.write("na\u00efve", seed=3)["lines"]
    assert len(accented["paths"]) == len(plain["paths"]) + 2    # the two dots of the diaeresis
    assert accented["paths"][:len(plain["paths"])] == plain["paths"]


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=4), max_leaves=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(op=st.sampled_from(["write", "ping", "info", "nope", 3]),
       fields=st.dictionaries(st.sampled_from(["lines", "text", "images", "temperature", "bias", "seed",
                                               "smoothing", "font_size", "strokes", "outlines", "deadline_s",
                                               "style_strength", "versions"]), json_values, max_size=5))
def test_fuzzed_requests_always_get_a_well_formed_reply(daemon, op, fields):
    message = {**fields, "op": op}
    if isinstance(message.get("lines"), list):
        message["lines"] = message["lines"][:3]  # keep the fuzz about shapes, not about long sampling
    reply = raw_request(daemon.endpoint, json.dumps(message).encode())
    assert isinstance(reply["ok"], bool)
    if not reply["ok"]:
        assert reply["error"]["code"] and reply["error"]["message"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.binary(max_size=200))
def test_fuzzed_bytes_always_get_a_well_formed_reply(daemon, payload):
    reply = raw_request(daemon.endpoint, payload)
    assert isinstance(reply["ok"], bool)
    assert Client(daemon.endpoint).ping()


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


def test_sigterm_during_a_long_request_stops_within_seconds_and_tells_its_client(weights):
    process = DaemonProcess(weights)
    client = Client(process.endpoint, timeout=120)
    answer = {}
    heavy = threading.Thread(target=lambda: answer.update(error=_error_of(lambda: client.write(
        [" ".join(["wordy"] * 50)] * 40, versions=8))))
    heavy.start()
    until(process.endpoint, lambda i: i["writing"])   # in the writing: the request takes minutes
    started = time.monotonic()
    out = process.stop()
    heavy.join(timeout=30)
    assert time.monotonic() - started < 10 and process.process.returncode == 0 and "stopped" in out
    assert "shutting down" in answer["error"] and "unfinished" in answer["error"]


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


def _write_command(*arguments, cwd=None, **run) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", *arguments],
                          **{"capture_output": True, **run}, text=True, timeout=60, cwd=cwd)


@pytest.mark.parametrize("where, message", [("missing/out.svg", "there is no folder"), (".", "it is a folder"),
                                            ("fifo", "not a regular file")])
def test_write_command_checks_where_it_writes_before_any_work(tmp_path, where, message):
    os.mkfifo(tmp_path / "fifo")
    done = _write_command("hello", "-o", str(tmp_path / where), "--endpoint", free_endpoint())
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert "starting one" not in done.stderr            # refused before any daemon was asked
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)


@pytest.mark.parametrize("options, message", [
    (["--page", "A5", "--margin", "80"], "leaves no room"),
    (["--page", "A5", "--margin", "-50"], "leaves no room"),
    (["--size", "-5", "--page", "A5"], "font size must be above 0"),
    (["--page", "infxinf"], "at most"),
    (["--style", "/dev/zero"], "not a regular file"),
    (["--style", "FIFO"], "not a regular file"),
    (["--style", "missing.png"], "No such file"),
])
def test_write_command_refuses_settings_and_style_files_that_cannot_work_before_any_work(tmp_path, options, message):
    os.mkfifo(tmp_path / "FIFO")
    done = _write_command("hello", "-o", "out.svg", "--endpoint", free_endpoint(), *options, cwd=tmp_path)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert "starting one" not in done.stderr and not (tmp_path / "out.svg").exists()


@pytest.mark.parametrize("rows, output, options, message", [
    ("name\nAnne Marie\nAnne/Marie\nAnne:Marie\n", "{name}.svg", [], "rows 1 and 2 would both be written to"),
    ("name,town\nAda,London\nJo\n", "{name}.svg", [], "row 2 of"),
    ("name\nAda\n", "{nope}.svg", [], "-o uses {nope}"),
    ("name\nAda\nJo\n", "{name}.svg", ["--seed", "2147483647"], "--seed is from 0 to 2147483646"),
])
def test_letters_from_a_csv_file_are_checked_whole_before_any_is_written(tmp_path, rows, output, options, message):
    (tmp_path / "people.csv").write_text(rows)
    done = _write_command("Dear {name}" + ("\nhow is {town}?" if "town" in rows else ""), "--csv", "people.csv", "-o", output, "--endpoint", free_endpoint(), *options,
                          cwd=tmp_path)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert "starting one" not in done.stderr and not list(tmp_path.glob("*.svg"))


def test_a_csv_value_cannot_lead_a_letter_out_of_its_folder(tmp_path):
    from inkscribe.daemon.cli.writing import _target

    assert _target("out/{name}/letter.svg", {"name": ".."}, 1) == "out/_/letter.svg"
    assert _target("out/{name}.svg", {"name": "../../etc/x"}, 1) == "out/etc_x.svg"


def test_write_command_writes_through_a_link_and_says_when_stdout_is_full(daemon, tmp_path):
    (tmp_path / "real.svg").write_text("old")
    (tmp_path / "link.svg").symlink_to("real.svg")
    done = _write_command("hello", "-o", "link.svg", "--endpoint", daemon.endpoint, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "link.svg").is_symlink() and "<svg" in (tmp_path / "real.svg").read_text()
    with open("/dev/full", "w") as full:
        done = _write_command("hello", "--endpoint", daemon.endpoint, stdout=full, stderr=subprocess.PIPE,
                              capture_output=False)
    assert done.returncode == 1 and "cannot write to standard output" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_write_that_fails_part_way_leaves_the_old_file_whole(daemon, tmp_path):
    out = tmp_path / "existing.svg"
    out.write_text("<svg>the old letter</svg>")
    command = f"ulimit -f 1; exec {sys.executable} -m inkscribe.daemon.cli write 'a longer line of words to write' " \
              f"-o {out} --endpoint {daemon.endpoint}"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "it is left as it was" in done.stderr and "Traceback" not in done.stderr
    assert out.read_text() == "<svg>the old letter</svg>" and list(tmp_path.iterdir()) == [out]


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


@pytest.mark.parametrize("page", [[], ["--page", "A5", "--plotter"]])
def test_write_command_produces_a_standalone_svg_without_loading_torch(daemon, tmp_path, page):
    out = tmp_path / "hello.svg"
    # -X importtime lists every module the command loads: a script's every line pays for them.
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "inkscribe.daemon.cli", "write", "-o", str(out),
                           "--endpoint", daemon.endpoint, "--seed", "1", *page],
                          input="hello there\nsecond line\n", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "inkscribe.daemon.client" in loaded and not {m for m in loaded if m.split(".")[0] in ("torch", "numpy")}
    root = etree.parse(str(out)).getroot()
    strokes = root.findall(f".//{SVG}path")
    assert strokes and (page or len(root.findall(f"{SVG}g/{SVG}g")) == 2)


def test_write_command_takes_the_style_from_an_svg_of_drawn_strokes(daemon, tmp_path):
    drawn = Path(__file__).parent / "data" / "svg" / "drawn.svg"
    empty = tmp_path / "typed.svg"
    empty.write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>typed, not drawn</text></svg>')
    written = {}
    for name, style in [("own", []), ("drawn", ["--style", str(drawn)]), ("empty", ["--style", str(empty)])]:
        out = tmp_path / f"{name}.svg"
        written[name] = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "-o", str(out),
                                        "in my hand", "--endpoint", daemon.endpoint, "--seed", "1", *style],
                                       capture_output=True, text=True, timeout=120)
    assert written["own"].returncode == written["drawn"].returncode == 0, written["drawn"].stderr
    assert (tmp_path / "drawn.svg").read_text() != (tmp_path / "own.svg").read_text()
    assert written["empty"].returncode == 1 and "holds no drawn strokes" in written["empty"].stderr
    assert not (tmp_path / "empty.svg").exists()


def test_write_command_takes_the_style_from_an_inkml_file(daemon, tmp_path):
    rng = np.random.default_rng(2)
    traces = "".join("<trace>" + ", ".join(f"{x * 40:.1f} {y * 40:.1f}" for x, y in s) + "</trace>"
                     for s in synthetic.strokes_for("written on a tablet", rng))
    (tmp_path / "note.inkml").write_text(f'<ink xmlns="http://www.w3.org/2003/InkML">{traces}</ink>')
    (tmp_path / "bad.inkml").write_text("<ink")
    runs = {}
    for name, style in [("own", []), ("ink", ["--style", str(tmp_path / "note.inkml")]),
                        ("bad", ["--style", str(tmp_path / "bad.inkml")])]:
        runs[name] = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "-o",
                                     str(tmp_path / f"{name}.svg"), "in my hand", "--endpoint", daemon.endpoint,
                                     "--seed", "1", *style], capture_output=True, text=True, timeout=120)
    assert runs["own"].returncode == runs["ink"].returncode == 0, runs["ink"].stderr
    assert (tmp_path / "ink.svg").read_text() != (tmp_path / "own.svg").read_text()
    assert runs["bad"].returncode == 1 and "bad.inkml is not XML" in runs["bad"].stderr
    assert not (tmp_path / "bad.svg").exists()


def test_write_command_lays_a_letter_out_on_pages_in_mm_for_plotters(daemon, tmp_path):
    letter = "Dear Ada,\n\n" + " ".join(["thank you for the kind letter"] * 12) + "\n\nWith love, Jo\n"
    out = tmp_path / "letter.svg"
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "-o", str(out), "--page", "80x60",
                           "--margin", "8", "--size", "20", "--endpoint", daemon.endpoint, "--seed", "1"],
                          input=letter, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    written = sorted(tmp_path.glob("letter*.svg"))
    assert len(written) >= 2 and out in written and (tmp_path / "letter-2.svg") in written
    root = etree.parse(str(out)).getroot()
    assert root.get("width") == "80mm" and root.get("viewBox") == "0 0 80 60"
    assert not root.xpath("//*[@transform]")               # absolute coordinates, as plotters take them
    assert root.findall(f".//{SVG}path")
    # The same letter as one multi-page document: Inkscape's pages side by side, each a layer.
    book = tmp_path / "book.svg"
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "-o", str(book), "--page", "80x60",
                           "--margin", "8", "--size", "20", "--endpoint", daemon.endpoint, "--seed", "1",
                           "--one-document"], input=letter, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and not (tmp_path / "book-2.svg").exists(), done.stderr
    root = etree.parse(str(book)).getroot()
    pages = root.findall(f".//{{{INKSCAPE}}}page")
    layers = root.findall(f"{SVG}g[@{{{INKSCAPE}}}groupmode='layer']")
    assert len(pages) == len(layers) == len(written) and not root.xpath("//*[@transform]")
    singles = [out] + [tmp_path / f"letter-{k}.svg" for k in range(2, len(written) + 1)]
    numbers = lambda root, dx=0.0: [float(x) - dx for p in root.iter(f"{SVG}path") for x, _ in PAIR.findall(p.get("d"))]
    for page, layer, single in zip(pages, layers, singles):   # each page's strokes where its own file has them
        assert numbers(layer, float(page.get("x"))) == pytest.approx(numbers(etree.parse(str(single)).getroot()),
                                                                      abs=0.011)
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "x", "--page", "huge", "-o",
                           str(tmp_path / "x.svg"), "--endpoint", daemon.endpoint], capture_output=True, text=True)
    assert done.returncode == 1 and "A5, A4, letter or WIDTHxHEIGHT" in done.stderr


def test_write_command_writes_a_letter_per_csv_row_from_a_template(daemon, tmp_path):
    (tmp_path / "people.csv").write_text("name,town\nAda Byron,London\nJo March,Concord\n")
    (tmp_path / "letter.txt").write_text("Dear {name},\n\nhow is {town} this spring?\n")
    write = lambda *options: subprocess.run(
        [sys.executable, "-m", "inkscribe.daemon.cli", "write", "--file", str(tmp_path / "letter.txt"),
         "--csv", str(tmp_path / "people.csv"), "--page", "A5", "--endpoint", daemon.endpoint, "--seed", "1",
         *options], capture_output=True, text=True, timeout=180)
    done = write("-o", str(tmp_path / "to-{name}.svg"))
    assert done.returncode == 0, done.stderr
    ada, jo = (etree.parse(str(tmp_path / f"to-{n}.svg")).getroot() for n in ("Ada_Byron", "Jo_March"))
    assert ada.get("width") == "148mm" and ada.findall(f".//{SVG}path")
    assert [p.get("d") for p in ada.iter(f"{SVG}path")] != [p.get("d") for p in jo.iter(f"{SVG}path")]
    assert write("-o", str(tmp_path / "numbered.svg")).returncode == 0
    assert (tmp_path / "numbered-1.svg").exists() and (tmp_path / "numbered-2.svg").exists()
    # A name the template uses that the file lacks is said before anything is written.
    (tmp_path / "letter.txt").write_text("Dear {first_name},\n")
    refused = write("-o", str(tmp_path / "x-{n}.svg"))
    assert refused.returncode == 1 and "{first_name}" in refused.stderr and "name, town" in refused.stderr
    assert not list(tmp_path.glob("x-*.svg"))


def test_a_letter_is_written_from_python_as_from_the_command_line(client):
    from inkscribe.model.page.letter import LetterConfig, write_letter
    letter = write_letter(client.write, "Dear Ada,\n" + "thank you " * 30, LetterConfig(page="80x60", margin=8), seed=2)
    assert len(letter.pages) >= 2 and all('viewBox="0 0 80 60"' in page for page in letter.pages)
    assert letter.pages == write_letter(client.write, "Dear Ada,\n" + "thank you " * 30,
                                        LetterConfig(page="80x60", margin=8), seed=2).pages
    with pytest.raises(ValueError, match="A5, A4, letter"):
        write_letter(client.write, "x", LetterConfig(page="huge"))


def test_write_command_draws_polylines_in_a_shorter_order_for_a_plotter(daemon, tmp_path):
    write = lambda *options: subprocess.run(
        [sys.executable, "-m", "inkscribe.daemon.cli", "write", "quick jigsaw quiz", "--page", "A5",
         "--endpoint", daemon.endpoint, "--seed", "1", *options], capture_output=True, text=True, timeout=120)
    curves, plotted = write("-o", str(tmp_path / "c.svg")), write("-o", str(tmp_path / "p.svg"), "--plotter")
    assert curves.returncode == plotted.returncode == 0, plotted.stderr
    after, before = map(float, re.search(r"travel inside lines (\d+) mm \(as written (\d+) mm", plotted.stderr).groups())
    assert after <= before
    paths = [p.get("d") for p in etree.parse(str(tmp_path / "p.svg")).getroot().iter(f"{SVG}path")]
    assert len(paths) == len(list(etree.parse(str(tmp_path / "c.svg")).getroot().iter(f"{SVG}path")))
    assert all(re.fullmatch(r"M[-\d.,]+( L[-\d.,]+)*", d) for d in paths)
    no_page = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "x", "--plotter", "-o",
                              str(tmp_path / "y.svg"), "--endpoint", daemon.endpoint], capture_output=True, text=True)
    assert no_page.returncode == 1 and "--plotter needs --page" in no_page.stderr


def test_write_command_starts_a_daemon_when_none_answers(weights, tmp_path):
    endpoint = free_endpoint()
    out = tmp_path / "auto.svg"
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "auto start", "-o", str(out),
                           "--endpoint", endpoint, "--checkpoint", str(weights)],
                          capture_output=True, text=True, timeout=180,
                          env={**__import__("os").environ, "XDG_RUNTIME_DIR": str(tmp_path)})
    try:
        assert done.returncode == 0, done.stderr
        assert "starting one" in done.stderr and "daemon started in the background" in done.stderr
        assert etree.parse(str(out)).getroot().findall(f".//{SVG}path")
        assert Client(endpoint).info()["idle_exit_s"] == 900   # it gives its memory back when unused
    finally:
        raw_request(endpoint, b'{"op": "ping"}')  # still up: the daemon outlives the command
        pid = int(done.stderr.split("(pid ")[1].split(",")[0])
        __import__("os").kill(pid, 15)


def test_ipc_endpoint_leaves_no_stale_socket_behind(weights, tmp_path):
    socket_path = tmp_path / "inkscribe.sock"
    process = DaemonProcess(weights, f"ipc://{socket_path}")
    assert socket_path.exists() and Client(process.endpoint).write("over ipc", seed=1)["lines"][0]["paths"]
    process.stop()
    assert process.process.returncode == 0 and not socket_path.exists()


def test_a_second_daemon_on_an_ipc_path_leaves_the_first_ones_socket_alone(tmp_path):
    # Two daemons starting at once, neither answering yet: ZeroMQ alone would let the second
    # replace the first one's socket file.
    from inkscribe.daemon.server import claim, release
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


def test_what_eval_measures_is_what_a_request_without_settings_gets():
    from inkscribe.model.config import EvalConfig
    from inkscribe.model.net.sampling import SampleConfig
    assert SampleConfig().bias == EvalConfig().bias == protocol.WriteRequest.bias
    assert SampleConfig().temperature == EvalConfig().temperature == protocol.WriteRequest.temperature
    assert SampleConfig().versions == EvalConfig().versions == protocol.WriteRequest.versions
    from inkscribe.model.config import PathConfig
    assert PathConfig().smoothing == protocol.WriteRequest.smoothing


def test_the_write_command_imports_no_torch_or_numpy(daemon, tmp_path):
    """A script writing line after line pays for the command's own start-up every time."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "inkscribe.daemon.cli", "write", "quick",
                           "-o", str(tmp_path / "q.svg"), "--endpoint", daemon.endpoint],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert "inkscribe" in imported and not imported & {"torch", "numpy"}


def test_secret_keys_are_readable_by_their_owner_only(tmp_path):
    from inkscribe.daemon.keys import make_keys
    make_keys(tmp_path / "keys")
    for name in ("server", "client"):
        assert (tmp_path / "keys" / f"{name}.key_secret").stat().st_mode & 0o077 == 0
    assert (tmp_path / "keys").stat().st_mode & 0o077 == 0


def test_a_colour_with_quotes_adds_no_attribute_to_the_saved_svg(daemon, tmp_path):
    out = tmp_path / "q.svg"
    hostile = 'red" onload="alert(1)'
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "quick", "-o", str(out),
                           "--endpoint", daemon.endpoint, "--colour", hostile], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    pen = etree.parse(str(out)).getroot().find(f"{SVG}g")
    assert pen.get("stroke") == hostile and not any(k.startswith("on") for e in pen.iter() for k in e.keys())


def test_daemon_stop_signals_nothing_that_is_not_an_inkscribe_daemon_of_this_user(tmp_path):
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    endpoint = free_endpoint()
    impostor = zmq.Context.instance().socket(zmq.ROUTER)
    impostor.bind(endpoint)

    def answer():   # whatever is asked: "I am a daemon, and my pid is the bystander's"
        while impostor.poll(10_000):
            *envelope, _ = impostor.recv_multipart()
            impostor.send_multipart([*envelope, json.dumps({"ok": True, "version": 1, "pid": bystander.pid}).encode()])

    answering = threading.Thread(target=answer, daemon=True)
    answering.start()
    try:
        done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "daemon", "--stop", "--endpoint", endpoint],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and "not an inkscribe daemon" in done.stderr
        assert bystander.poll() is None
    finally:
        bystander.kill()
        answering.join()
        impostor.close()


def test_the_default_endpoint_is_a_socket_in_a_folder_of_the_users_own(tmp_path, monkeypatch):
    monkeypatch.delenv(protocol.ENDPOINT_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert protocol.default_endpoint() == f"ipc://{tmp_path}/inkscribe/daemon.sock"
    assert stat.S_IMODE(os.stat(tmp_path / "inkscribe").st_mode) == 0o700
    os.chmod(tmp_path / "inkscribe", 0o777)   # as if someone else had made it, open to all
    done = _write_command("hello", "-o", str(tmp_path / "out.svg"), env={**os.environ})
    assert done.returncode == 1 and "not a folder that only you can open" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out.svg").exists()


def test_a_line_sent_behind_a_long_request_waits_for_a_piece_of_it_not_all(daemon):
    long_one, mine = {}, {}
    long_request = threading.Thread(target=lambda: long_one.update(Client(daemon.endpoint, timeout=300).write(
        [" ".join(["handwriting"] * 10)] * 96, seed=1, versions=1)))
    long_request.start()
    until(daemon.endpoint, lambda i: i["writing"])   # the model at work on its first piece
    mine.update(Client(daemon.endpoint, timeout=300).write("hi", seed=2, versions=1))
    assert mine["lines"][0]["text"] == "hi" and not long_one   # answered while the long one is still written
    long_request.join()
    assert len(long_one["lines"]) == 96 and long_one["timing"]["batch_lines"] < 96
    # In pieces or not, each line is what it is in the request written whole: line 36 comes
    # in the long request's second piece, and in the first of one whose earlier lines are short.
    again = Client(daemon.endpoint, timeout=300).write(["handwriting"] * 36 + [" ".join(["handwriting"] * 10)],
                                                        seed=1, versions=1)
    assert again["timing"]["batch_lines"] == 37
    assert again["lines"][36]["points"] == long_one["lines"][36]["points"]
    assert np.allclose(again["lines"][36]["strokes"][0], long_one["lines"][36]["strokes"][0], atol=0.05)


def test_the_benchmark_prints_each_speed_goal_beside_what_it_measured(capsys):
    from inkscribe.daemon.cli.benchmark import against_goals
    from inkscribe.daemon.cli.speed_goals import SpeedGoals

    # The shipped weights: a picture of what untrained ones write holds no handwriting to read.
    against_goals(SpeedGoals(), (1,), False, 1, "cpu", runs=1, requests=1)
    out = capsys.readouterr().out
    for figure in ("a line, 1 version,", "a 10-line paragraph, 1 version,", "a styled line,", "8 concurrent clients,"):
        row = next((r for r in out.splitlines() if r.startswith(figure)), None)
        assert row is not None, f"no {figure!r} row in:\n{out}"
        assert re.search(r" \d+\.\d{3} (s|lines/s) ", row) and row.split()[-1] in ("yes", "no"), row
    assert "the GPU goals need a daemon on a GPU" in out
