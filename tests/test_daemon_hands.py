"""Learning a hand through the daemon, and writing with it: real daemon processes, the real client."""
import base64
import json
import time

import pytest

import synthetic
from daemon_process import raw_request
from inkscribe.daemon import protocol
from inkscribe.daemon.client import Client, DaemonError

TEXTS = ["hello world", "the quick fox", "jumps over", "lazy dogs"]


def _lines():
    rng = synthetic.np.random.default_rng(0)
    return [[s.tolist() for s in synthetic.strokes_for(t, rng, slant=0.3)] for t in TEXTS]


def _learnt(client: Client, job: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = client.learn_status(job)
        if status["state"] not in ("queued", "learning"):
            return status
        assert time.monotonic() < deadline, "the hand was never learnt"
        time.sleep(0.1)


def test_a_hand_learnt_by_the_daemon_is_a_file_it_writes_with(client):
    job = client.learn(_lines(), TEXTS, "Ada")
    status = _learnt(client, job)
    assert status["state"] == "done" and status["steps"] > 0 and status["nll_after"] <= status["nll_before"]
    hand = base64.b64decode(status["hand"])
    written = client.write("hello there", seed=3, hand=hand)["lines"][0]
    plain = client.write("hello there", seed=3)["lines"][0]
    assert written["paths"] and written["strokes"] != plain["strokes"]
    assert client.write("hello there", seed=3, hand=hand)["lines"][0]["strokes"] == written["strokes"]


def test_learning_can_be_cancelled_and_a_job_nobody_started_is_said_to_be_unknown(client):
    job = client.learn(_lines() * 3, TEXTS * 3, "Ada")
    assert client.learn_cancel(job)["state"] in ("cancelled", "learning")
    assert _learnt(client, job)["state"] == "cancelled" and "hand" not in client.learn_status(job)
    with pytest.raises(DaemonError) as e:
        client.learn_status("no-such-job")
    assert e.value.code == protocol.UNKNOWN_JOB


@pytest.mark.parametrize("request_, code, said", [
    ({"op": "learn", "lines": _lines()[:3], "texts": TEXTS, "name": "x"}, protocol.BAD_REQUEST,
     "3 written lines, but 4 lines of text"),
    ({"op": "learn", "lines": _lines()[:3] + [[]], "texts": TEXTS, "name": "x"}, protocol.BAD_STROKES,
     "written line 4 holds no ink"),
    ({"op": "learn", "lines": _lines(), "texts": TEXTS[:3] + ["caf\u00e9 \u4e2d"], "name": "x"},
     protocol.UNKNOWN_CHARACTERS, "line 4 of the text"),
    ({"op": "write", "lines": ["x"], "hand": base64.b64encode(b"not a hand").decode()}, protocol.BAD_HAND,
     "not a hand file"),
    ({"op": "write", "lines": ["x"], "hand": "", "strokes": [[[0, 0], [1, 1]]]}, protocol.BAD_REQUEST,
     "not both"),
])
def test_bad_learning_requests_and_bad_hands_are_refused_and_say_why(daemon, request_, code, said):
    reply = raw_request(daemon.endpoint, json.dumps(request_).encode())
    assert reply["error"]["code"] == code and said in reply["error"]["message"]


def test_a_hand_learnt_on_other_weights_is_refused_by_name(client, tmp_path):
    from inkscribe.model import handfile

    data = handfile.pack({"name": "Bo", "weights": "0123456789abcdef"}, b"")
    with pytest.raises(DaemonError) as e:
        client.write("hello", hand=data)
    assert e.value.code == protocol.BAD_HAND and "Bo" in str(e.value) and "other weights" in str(e.value)
