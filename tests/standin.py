"""A stand-in for the handwriting model, behind the real daemon: the server, its protocol and
ZeroMQ are the real ones, and so is the path data; only the sampled strokes are replaced by
a zigzag per letter, the same on every CPU. Sampled strokes move by hundredths of a pixel
between CPUs (their vector units round apart), so the extension's placed geometry is
compared number for number against this writer, as Inkscape's own extension tests compare
theirs. Run as a script, it serves: `python tests/standin.py ENDPOINT`."""
import sys

import numpy as np

from inkscribe.model.config import PathConfig
from inkscribe.model.data.segments import WORD_SPACE, join_words, spacing, words_of
from inkscribe.model.data.strokes import to_offsets
from inkscribe.model.seeds import derive
from inkscribe.model.style.references import ink_map
from inkscribe.model.write.paths import path_data, strokes_of
from inkscribe.model.write.writer import NoHandwritingFound, WrittenLine


class StandinHand:
    def __init__(self, slant: float):
        self.slant, self.word_gap = slant, WORD_SPACE


class StandinWriter:
    decoding = "stand-in"

    def hand(self, pictures=(), strokes=(), outlines=(), strength=1.0, names=None):
        """A slant from how much ink the pictures and drawn strokes hold; blank ones hold no handwriting."""
        names = list(names or [f"image {k}" for k in range(1, len(pictures) + 1)])
        ink = [float((ink_map(p) > 0.5).mean()) for p in pictures]
        empty = [name for name, share in zip(names, ink) if share == 0]
        if strokes or outlines:
            points = [p for s in [*strokes, *outlines] for p in s]
            ink.append(len(points) / 1000)
            if np.ptp(np.asarray(points)[:, 1]) < 1:
                empty.append("the drawn strokes")
        if empty:
            raise NoHandwritingFound(f"no handwriting found in {' and '.join(empty)}", empty)
        return StandinHand(strength * sum(ink) * 10) if ink else None

    def write(self, tasks, stop=None):
        return [[self._line(task, task.first_line + i, text) for i, text in enumerate(task.lines)] for task in tasks]

    @staticmethod
    def _line(task, n: int, text: str) -> WrittenLine:
        words, together = words_of(text)
        slant = task.hand.slant if task.hand is not None else 0.0
        seed = task.sample.seed or 0
        written = []
        for j, word in enumerate(words):
            jitter = np.random.default_rng(derive(seed, n, j)).uniform(-0.5, 0.5, (len(word), 3))
            stroke = [(0.0, 0.0)]
            for k, (c, (a, b, _)) in enumerate(zip(word, jitter)):
                top = -7.0 if c.isupper() or c.isdigit() else -4.0
                stroke += [(5 * k + 1.5 + a - slant * top, top + b), (5 * k + 3.5, 0.0), (5 * k + 5, 0.5 * b)]
            written.append(to_offsets([np.asarray(stroke, np.float32)]))
        offsets = join_words(written, spacing(words, WORD_SPACE, together)) if written else np.zeros((0, 3), np.float32)
        paths = task.paths[n - task.first_line] if isinstance(task.paths, list) else task.paths
        strokes = strokes_of(offsets, paths if isinstance(paths, PathConfig) else PathConfig())
        spans = [(w, j, j + 1) for j, w in enumerate(words)]
        return WrittenLine(text, offsets, strokes, [path_data(s) for s in strokes], True, spans)


if __name__ == "__main__":
    from inkscribe.daemon.server import Daemon, ServerConfig

    Daemon(StandinWriter(), ServerConfig(endpoint=sys.argv[1]), {"model": {"card": {"data": "stand-in"}}}).serve()
