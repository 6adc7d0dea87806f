"""The model's one entry point for writing: lines of text, and pictures or strokes of a hand, in; strokes and
SVG path data out."""
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import torch
from PIL import Image

from .accents import with_marks
from ..page.charset import normalise, split_marks
from ..net.network import HandwritingModel
from ..critics.reader import Reader, misreading
from ..config import LearnConfig, PathConfig
from .hands import LearntHand, fingerprint, from_file, learn, prepared, to_file, with_hand
from .paths import path_data, strokes_of
from ..style.references import drawing, pick_tiles, read_writing, word_gap
from ..data.segments import WORD_SPACE, join_words, spacing, words_of
from ..net.sampling import Interrupted, SampleConfig, Steps, generate, guard  # noqa: F401 (Interrupted: the server's, through this door)
from ..seeds import derive

MAX_TILES = 16   # style tiles per request; more adds time, not likeness
HANDS_KEPT = 8   # learnt hands' adapted models kept at once (about 15 MB each for the shipped model)


@dataclass
class WrittenLine:
    text: str
    offsets: np.ndarray          # the raw sampled (dx, dy, pen), data units
    strokes: list[np.ndarray]    # absolute, smoothed, px; x from 0, the line's middle at y = 0
    paths: list[str]             # SVG path data, one per pen-down stroke
    ended: bool = True           # every word ended by itself (none ran on to the length guard)
    words: list[tuple[str, int, int]] = field(default_factory=list)   # each word's text and strokes[first:last]


@dataclass
class Hand:
    """A writer: what the style encoder makes of their pictures, and how far apart they set
    words; a learnt hand also changes the decoder (`adapters`, model/write/hands.py), and its
    `name` says which adapted model is theirs."""
    embedding: torch.Tensor      # [d_model]
    word_gap: float = WORD_SPACE
    adapters: dict | None = None
    name: str | None = None


class WordJob(NamedTuple):
    """One version of one word to write: where it goes (task, line, word), what it says, the
    writer's style vector, its sampling settings, and whose adapted model writes it (None: the
    model itself)."""
    task: int
    line: int
    word: int
    text: str
    style: torch.Tensor
    sample: SampleConfig
    hand: str | None = None

    @property
    def key(self) -> tuple[int, int, int]:
        return self.task, self.line, self.word


@dataclass
class Task:
    """One request's lines, all written by one writer with one set of options."""
    lines: list[str]
    hand: Hand | None = None               # from Writer.hand; None: the model's own hand
    sample: SampleConfig = field(default_factory=SampleConfig)
    paths: PathConfig | list[PathConfig] = field(default_factory=PathConfig)   # or one per line
    # The request's line these lines start at: a request written a piece at a time is seeded
    # line by line as it is when written whole.
    first_line: int = 0


class NoHandwritingFound(ValueError):
    """A style picture holds nothing that looks like a line of writing; `names` says which."""

    def __init__(self, message: str, names: list[str]):
        super().__init__(message)
        self.names = names


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def seeded(cfg: SampleConfig, line: int, word: int, version: int) -> SampleConfig:
    """A version of a word's own config: the same word twice in a request is written twice,
    not copied, and a word's first version is the same however many are written."""
    return replace(cfg, seed=None if cfg.seed is None else derive(cfg.seed, line, word, version))


class Writer:
    """Writes every word of every line of a request as one batch of short sequences, then
    sets each line's words side by side: whole lines drift, skip and run on; words are
    what the model writes well, and a batch of words takes far fewer steps than a line."""

    def __init__(self, model: HandwritingModel, max_points: int = 24_000, reader: Reader | None = None):
        self.model = model.eval()
        # A batch holds at most this many points of room (rows x the longest row's guard):
        # about 256 words of five letters, which the two cores step through fastest (a
        # 10-line paragraph in 2.1 s against 2.8 s at 64 words, with 4 versions), and only a
        # few very long words, whose key/value caches would otherwise take gigabytes.
        self.max_points = max_points
        self.reader = reader   # picks among a word's versions; without it, the first is kept
        self.device = next(model.parameters()).device
        # Free-running, a model writes smaller than the lines it learnt from; its weights
        # say by how much to scale its words back (one scale for all: sizes stay consistent).
        self.ink_scale = getattr(model, "card", {}).get("ink_scale", 1.0)
        self.steps = Steps.eager(model)   # or compiled, once `compile` has made them
        self.decoding = "uncompiled"   # "compiled" once `compile` has compiled it, or "uncompiled: why not"
        # Learnt hands' models, the adapters merged in: the last few used, kept (each as large as the model).
        self.adapted: OrderedDict[str, tuple[HandwritingModel, Steps, Hand]] = OrderedDict()
        self.fingerprint = fingerprint(model)   # which weights: a hand learnt on others is refused

    def compile(self) -> None:
        """Compile the writing step, write once with it in the shapes requests take (a word
        alone, a line of words in several versions), then write with it."""
        try:
            steps = Steps.compiled(self.model)
            trial = Writer(self.model, self.max_points, self.reader)
            trial.steps = steps
            trial.write([Task(["a"], sample=SampleConfig(versions=1, seed=0))])
            trial.write([Task(["The quick brown fox jumps over a lazy dog"], sample=SampleConfig(seed=0))])
        except Exception as e:
            self.decoding = f"uncompiled: {type(e).__name__}: {(str(e).strip().splitlines() or [''])[0][:200]}"
            raise
        self.steps = steps.without_recompiling()
        self.decoding = "compiled"

    def about(self) -> dict:
        """What the daemon's `info` says of the model: its config, card, size, device and torch."""
        return {"model": {"config": self.model.cfg.to_dict(), "card": getattr(self.model, "card", {}),
                          "parameters": sum(p.numel() for p in self.model.parameters())},
                "device": str(self.device), "torch": torch.__version__}

    @torch.no_grad()
    def hand(self, pictures: list[Image.Image] = (), strokes: list = (), outlines: list = (), strength: float = 1.0,
             names: list[str] | None = None) -> Hand | None:
        """A writer's hand from pictures of their writing and what they drew as vectors (pen
        paths and the closed outlines a calligraphy tool leaves, any unit, y down), read
        together as one more picture; None without either. `names` say how errors call each
        picture (default: image 1, image 2, ...); the drawing is "the drawn strokes".

        strength: how far from the model's own hand to go, along the line to the pictures'
        (1: as read; above 1 looks more like the writer and reads less easily)."""
        pictures, names = list(pictures), list(names or [f"image {k}" for k in range(1, len(pictures) + 1)])
        if strokes or outlines:
            pictures.append(drawing(strokes, outlines))
            names.append("the drawn strokes")
        if not pictures:
            return None
        per_image = max(1, MAX_TILES // len(pictures))
        writings = [read_writing(picture) for picture in pictures]
        cut = [pick_tiles(w, per_image) for w in writings]
        empty = [name for name, t in zip(names, cut) if len(t) == 0]
        if empty:
            raise NoHandwritingFound(
                f"no handwriting found in {_listed(empty)}: the style needs lines of writing, dark on light or "
                f"light on dark; try a picture cropped to the writing, in sharper focus", empty)
        tiles = [t for image_tiles in cut for t in image_tiles]
        embedding = self.model.style(torch.from_numpy(np.stack(tiles[:MAX_TILES]))[None, :, None].to(self.device), 1)[0]
        return Hand(self.model.style.toward(embedding, strength), word_gap(writings) or WORD_SPACE)

    def learnt(self, data: bytes, where: str = "the hand file") -> Hand:
        """A learnt hand from its file's bytes (model/write/hands.py), named by their digest so
        that it is read, and the model it adapts made, once for all the requests that bring it;
        handfile.HandFileError where the file is not a hand, or not one of these weights."""
        name = hashlib.sha256(data).hexdigest()
        if name in self.adapted:
            return self.adapted[name][2]
        hand = from_file(data, self.model, self.fingerprint, where)
        return Hand(hand.style, hand.word_gap, hand.adapters, name)

    def learn(self, lines: list[list], texts: list[str], name: str, cfg: LearnConfig = LearnConfig(),
              progress: Callable[[int, int], None] | None = None, stop: Callable[[], bool] | None = None,
              seed: int = 0) -> tuple[bytes, LearntHand]:
        """A hand learnt from written lines (each its pen strokes, any unit, y down) and what
        they say, as a hand file's bytes, and the hand (with how well it was learnt).
        UnknownCharacterError where a text holds what the model cannot write."""
        plain = [split_marks(normalise(t))[0] for t in texts]
        hand = learn(self.model, [(prepared(strokes), t) for strokes, t in zip(lines, plain)], cfg, progress, stop, seed)
        return to_file(hand, name, self.fingerprint, texts), hand

    def _adapt(self, hand: Hand) -> None:
        """The hand's adapted model made, or moved to the newest of those kept."""
        if hand.name in self.adapted:
            self.adapted.move_to_end(hand.name)
            return
        model = with_hand(self.model, hand.adapters)
        self.adapted[hand.name] = (model, Steps.eager(model), hand)

    def _sample(self, jobs: list[WordJob], stop=None) -> dict[tuple, list]:
        """Each job's word written and read: (task, line, word) -> [(offsets, ran on to the
        guard, misreading)], words of like length batched together."""
        chunks = []
        for job in sorted(jobs, key=lambda j: (j.hand or "", len(j.text))):   # a chunk's room is its newest job's
            if not chunks or chunks[-1][-1].hand != job.hand or \
                    (len(chunks[-1]) + 1) * guard(job.text, job.sample) > self.max_points:
                chunks.append([])
            chunks[-1].append(job)
        made = {}
        for chunk in chunks:
            words = [split_marks(normalise(j.text)) for j in chunk]   # as the model reads them: œ as oe
            positions = []
            model, steps = (self.model, self.steps) if chunk[0].hand is None else self.adapted[chunk[0].hand][:2]
            written = generate(model, [plain for plain, _ in words], torch.stack([j.style for j in chunk]),
                               [j.sample for j in chunk], positions, stop, steps)
            scores = (misreading(self.reader, written, [plain for plain, _ in words]) if self.reader is not None
                      else np.zeros(len(chunk)))
            for j, o, (plain, marks), read, score in zip(chunk, written, words, positions, scores):
                scaled = o * np.array([self.ink_scale, self.ink_scale, 1], np.float32)
                made.setdefault(j.key, []).append(
                    (with_marks(scaled, read, marks, len(plain)), len(o) >= guard(plain, j.sample), float(score)))
        return made

    @torch.no_grad()
    def write(self, tasks: list[Task], stop: Callable[[], bool] | None = None) -> list[list[WrittenLine]]:
        """Every task's lines; all their words (and each word's versions) sampled together in
        batches of up to max_points of room. Blank lines come back empty. Raises sampling.Interrupted
        as soon as `stop` says so."""
        jobs = []
        for t, task in enumerate(tasks):
            style = task.hand.embedding if task.hand is not None else self.model.style.no_style
            versions = max(1, task.sample.versions) if self.reader is not None else 1
            hand = None
            if task.hand is not None and task.hand.adapters:
                hand = task.hand.name
                self._adapt(task.hand)
            for i, line in enumerate(task.lines):
                for j, word in enumerate(words_of(line)[0]):
                    jobs += [WordJob(t, i, j, word, style, seeded(task.sample, task.first_line + i, j, v), hand)
                             for v in range(versions)]
        # Every version of every word at once: choosing which words to write again after a
        # first reading saved time but lost most of the gain (a word the reader reads easily
        # can still be the worse of two to tesseract).
        made = self._sample(jobs, stop)
        while len(self.adapted) > HANDS_KEPT:   # the least recently used, once this batch is written
            self.adapted.popitem(last=False)
        # A word that ended by itself beats one that ran on; then the one that reads best.
        offsets, ran_on = {}, set()
        for key, versions in made.items():
            best = min(versions, key=lambda m: (m[1], m[2]))
            offsets[key] = best[0]
            if best[1]:
                ran_on.add(key)
        out = []
        for t, task in enumerate(tasks):
            gap = task.hand.word_gap if task.hand is not None else WORD_SPACE
            lines = []
            for i, text in enumerate(task.lines):
                words, together = words_of(text)
                written = [offsets[(t, i, j)] for j in range(len(words))]
                ended = not any((t, i, j) in ran_on for j in range(len(words)))
                off = join_words(written, spacing(words, gap, together))
                strokes = strokes_of(off, task.paths[i] if isinstance(task.paths, list) else task.paths)
                ends = np.cumsum([0] + [int(o[:, 2].sum()) for o in written])   # strokes end where the pen lifts
                spans = []   # words as typed: a ¿ written apart from its word still belongs to it
                for w, a, b, joined in zip(words, ends, ends[1:], [False, *together]):
                    if joined:
                        spans[-1] = (spans[-1][0] + w, spans[-1][1], int(b))
                    else:
                        spans.append((w, int(a), int(b)))
                lines.append(WrittenLine(text, off, strokes, [path_data(s) for s in strokes], ended, spans))
            out.append(lines)
        return out
