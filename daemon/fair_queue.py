"""The daemon's queue of work: one bounded queue per client, served round-robin.

A client that sends many requests at once waits behind its own work, not in front of
everyone else's: each batch the model writes takes at most one request from each client.
The queue is bounded per client and in all, in requests and in the bytes they hold, so
that many connections together cannot take more memory than one busy client.
"""
import threading
import time
from collections import OrderedDict, deque

CLIENT_FULL = "client"   # why put() refused: this client has its share waiting
ALL_FULL = "all"         # or all clients together have


class FairQueue:
    def __init__(self, per_client: int, total: int = 1 << 30, total_bytes: int = 1 << 62):
        self.per_client, self.total, self.total_bytes = per_client, total, total_bytes
        self.queues: OrderedDict[bytes, deque] = OrderedDict()   # in the order clients are served next
        self.bytes = 0
        self.ready = threading.Condition()

    def put(self, client: bytes, job, size: int = 0) -> str | None:
        """Queue a job for `client`, holding about `size` bytes; None, or why it is refused
        (CLIENT_FULL or ALL_FULL)."""
        with self.ready:
            waiting = self.queues.get(client, ())
            if len(waiting) >= self.per_client:
                return CLIENT_FULL
            if len(self) >= self.total or self.bytes + size > self.total_bytes:
                return ALL_FULL
            self.queues.setdefault(client, deque()).append((job, size))
            self.bytes += size
            self.ready.notify()
            return None

    def put_back(self, client: bytes, job, size: int = 0) -> None:
        """Queue the rest of a job that was written in part: first of that client's jobs,
        the client itself behind the others with work."""
        with self.ready:
            waiting = self.queues.pop(client, deque())
            waiting.appendleft((job, size))
            self.queues[client] = waiting
            self.bytes += size
            self.ready.notify()

    def take(self, max_lines: int, timeout: float, lines=lambda job: 1) -> list:
        """The next batch: one job from each client in turn, until `max_lines` lines are
        in it or every client with work has one in it ([] if none came within `timeout`)."""
        deadline = time.monotonic() + timeout
        with self.ready:
            while not self.queues:
                left = deadline - time.monotonic()
                if left <= 0 or not self.ready.wait(left):
                    return []
            batch, total = [], 0
            for client in list(self.queues):
                if batch and total >= max_lines:
                    break
                waiting = self.queues.pop(client)
                job, size = waiting.popleft()
                self.bytes -= size
                batch.append(job)
                total += lines(job)
                if waiting:   # to the back of the line, behind the clients not yet served
                    self.queues[client] = waiting
            return batch

    def forget(self, client: bytes) -> int:
        """Drop every job `client` has waiting (it has gone); how many there were."""
        with self.ready:
            waiting = self.queues.pop(client, ())
            self.bytes -= sum(size for _, size in waiting)
            return len(waiting)

    def drain(self) -> list:
        """Every job still waiting, and the queue empty."""
        with self.ready:
            jobs = [job for waiting in self.queues.values() for job, _ in waiting]
            self.queues.clear()
            self.bytes = 0
            return jobs

    def __len__(self) -> int:
        with self.ready:
            return sum(map(len, self.queues.values()))
