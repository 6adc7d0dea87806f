"""The daemon's queue of work: one bounded queue per client, served round-robin.

A client that sends many requests at once waits behind its own work, not in front of
everyone else's: each batch the model writes takes at most one request from each client.
"""
import threading
import time
from collections import OrderedDict, deque


class FairQueue:
    def __init__(self, per_client: int):
        self.per_client = per_client
        self.queues: OrderedDict[bytes, deque] = OrderedDict()   # in the order clients are served next
        self.ready = threading.Condition()

    def put(self, client: bytes, job) -> bool:
        """Queue a job for `client`; False when that client already has `per_client` waiting."""
        with self.ready:
            waiting = self.queues.setdefault(client, deque())
            if len(waiting) >= self.per_client:
                return False
            waiting.append(job)
            self.ready.notify()
            return True

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
                batch.append(waiting.popleft())
                total += lines(batch[-1])
                if waiting:   # to the back of the line, behind the clients not yet served
                    self.queues[client] = waiting
            return batch

    def drain(self) -> list:
        """Every job still waiting, and the queue empty."""
        with self.ready:
            jobs = [job for waiting in self.queues.values() for job in waiting]
            self.queues.clear()
            return jobs

    def __len__(self) -> int:
        with self.ready:
            return sum(map(len, self.queues.values()))
