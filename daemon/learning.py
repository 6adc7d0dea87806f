"""Hands learnt by the daemon, as jobs a client starts, asks after and may cancel: `learn`
answers at once with a job, `learn_status` says how far it has got (and, once done, gives the
hand file), `learn_cancel` stops it. One hand is learnt at a time, on a thread of its own,
beside the writing; a few more may wait. A finished job's answer is kept for a while, then
forgotten."""
import base64
import queue
import secrets
import threading
import time
import traceback
from dataclasses import dataclass, field

from inkscribe.model.page.charset import UnknownCharacterError, normalise
from inkscribe.model.write.writer import Writer

from . import protocol as P

KEPT_S = 600.0   # seconds a finished job's answer waits to be asked for


@dataclass
class Job:
    request: P.LearnRequest
    state: str = "queued"            # learning, done, failed, cancelled
    step: int = 0
    steps: int = 0
    answer: dict = field(default_factory=dict)
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: float | None = None


class Learner:
    def __init__(self, writer: Writer, limits: P.Limits, stopping: threading.Event):
        self.writer, self.limits, self.stopping = writer, limits, stopping
        self.jobs: dict[str, Job] = {}
        self.waiting: queue.SimpleQueue = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._work, name="inkscribe-learner", daemon=True)
        self.thread.start()

    def handle(self, op: str, request) -> dict:
        """The answer to a learn, learn_status or learn_cancel request (ProtocolError for a bad one)."""
        with self.lock:
            self._forget_old()
            if op == "learn":
                return self._start(request)
            job = self.jobs.get(request["job"])
            if job is None:
                raise P.ProtocolError(P.UNKNOWN_JOB, "no such learning job here (finished ones are kept "
                                                     f"{KEPT_S / 60:.0f} minutes)")
            if op == "learn_cancel" and job.state in ("queued", "learning"):
                job.cancel.set()
                if job.state == "queued":
                    job.state, job.finished = "cancelled", time.monotonic()
            return {"ok": True, "version": P.VERSION, "op": op, "state": job.state, "step": job.step,
                    "steps": job.steps, **job.answer}

    def _start(self, request: P.LearnRequest) -> dict:
        for n, text in enumerate(request.texts, 1):
            try:
                normalise(text)
            except UnknownCharacterError as e:
                raise P.ProtocolError(P.UNKNOWN_CHARACTERS, f"line {n} of the text: {e}") from None
        if sum(j.state in ("queued", "learning") for j in self.jobs.values()) >= self.limits.learning:
            raise P.ProtocolError(P.BUSY, "the daemon is learning as many hands as it takes at once; try again when "
                                          "one is done")
        name = secrets.token_urlsafe(12)
        job = self.jobs[name] = Job(request)
        self.waiting.put(job)
        return {"ok": True, "version": P.VERSION, "op": "learn", "job": name}

    def _forget_old(self) -> None:
        now = time.monotonic()
        for name in [n for n, j in self.jobs.items() if j.finished is not None and now - j.finished > KEPT_S]:
            del self.jobs[name]

    def _work(self) -> None:
        while not self.stopping.is_set():
            try:
                job = self.waiting.get(timeout=0.1)
            except queue.Empty:
                continue
            if job.cancel.is_set():
                continue
            job.state = "learning"

            def progress(step: int, steps: int) -> None:
                job.step, job.steps = step, steps

            try:
                r = job.request
                data, hand = self.writer.learn(r.lines, r.texts, r.name, progress=progress,
                                               stop=lambda: job.cancel.is_set() or self.stopping.is_set())
                if job.cancel.is_set():
                    job.state = "cancelled"
                else:
                    job.answer = {"hand": base64.b64encode(data).decode(), "nll_before": hand.nll_before,
                                  "nll_after": hand.nll_after, "seconds": round(hand.seconds, 1)}
                    job.state = "done"
            except Exception as e:   # a request must never take the daemon down
                traceback.print_exc()
                job.answer = {"error": {"code": P.INTERNAL, "message": f"the hand could not be learnt: {e}"}}
                job.state = "failed"
            job.finished = time.monotonic()
