"""Batches as the network reads them, for training and validation: padded tensors,
alignment targets, style tiles and prompts from the same writer."""
from collections import defaultdict

import numpy as np
import torch

from ..data.alignment import alignment
from ..data.iamondb import Line, by_form
from ..style.references import scanned, tiles_from_image
from ..data.segments import prompt_continues, prompt_words, source_line
from ..net.network import IMAGE_SIZE, decoder_inputs, prompt_inputs
from ..page.charset import PAD, encode

# Each point, the advance target pulls a drifted reading position back by this share of
# its drift (about a character's worth of points to recover from a one-character slip).
DRIFT_PULL = 0.1
DRIFT_KNOTS = 20   # points between the random drift's knots: drift wanders over a few characters


def drift(n: int, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """A smooth random offset of the reading position, up to about `amplitude` characters.

    Sampling reads its own predicted position, which slips from the true one; training on
    slipped positions, with targets that lead back, teaches the model to find its place.
    """
    knots = rng.normal(0, rng.uniform(0, amplitude), n // DRIFT_KNOTS + 2)
    return np.interp(np.arange(n), np.arange(len(knots)) * DRIFT_KNOTS, knots).astype(np.float32)


def batches(lines: list[Line], max_points: int, rng: np.random.Generator, rank=0, world=1, prompt=0):
    """Lists of line indices of similar length, at most `max_points` padded points each (with
    room for a `prompt` of that many points before each), shuffled."""
    order = np.argsort([len(l.offsets) + rng.random() * 20 for l in lines])
    out, current = [], []
    for i in order:
        if current and (len(current) + 1) * (len(lines[i].offsets) + prompt) > max_points:
            out.append(current)
            current = []
        current.append(int(i))
    if current:
        out.append(current)
    rng.shuffle(out)
    return out[rank::world][: len(out) // world]


# A prompt is at least this many points of the writer's strokes (a short word), so that
# training sees the short samples users give as well as long ones.
PROMPT_LEAST = 40


class Collator:
    """Turns a list of lines (or words) into model inputs; style tiles come from other whole
    lines of each writer, as a user's pictures show whole lines, and so do prompts: a few
    words of another line of the writer's, in a share `prompts` of the samples."""

    def __init__(self, lines: list[Line], references: int, reading_drift: float = 0.0,
                 whole_lines: list[Line] | None = None, prompts: float = 0.0, prompt_points: int = 0,
                 history_dropout: float = 0.0, tile_lines: int = 1):
        self.lines = lines
        # Style tiles from this many of the writer's other lines, each rendered as a scan of
        # its own, in equal shares (the first share from the first line): a contrastive
        # writer loss between shares of one rendering would tell them apart by the pen and
        # grain the rendering drew at random, not by the hand.
        self.tile_lines = tile_lines
        self.history_dropout = history_dropout
        self.references = references
        self.reading_drift = reading_drift
        self.prompts, self.prompt_points = prompts, prompt_points
        self.whole_lines = whole_lines if whole_lines is not None else lines
        self.by_form = defaultdict(list, {form: [self.whole_lines[i] for i in idx]
                                          for form, idx in by_form(self.whole_lines).items()})

    def style_tiles(self, index: int, rng: np.random.Generator) -> np.ndarray:
        line = self.lines[index]
        same_form = self.by_form[line.form]
        mates = [m for m in same_form if m.id != source_line(line.id)] or same_form
        share = self.references // self.tile_lines
        return np.concatenate([self._tiles(mates[rng.integers(len(mates))], share, rng)
                               for _ in range(self.tile_lines)])

    @staticmethod
    def _tiles(line: Line, n: int, rng: np.random.Generator) -> np.ndarray:
        tiles = tiles_from_image(scanned(line.offsets, rng), n, rng)
        if len(tiles) == 0:
            return np.zeros((n, IMAGE_SIZE, IMAGE_SIZE), np.float32)
        return tiles[np.arange(n) % len(tiles)]

    def prompt(self, index: int, rng: np.random.Generator) -> tuple[np.ndarray, str] | None:
        """A few words of another of the writer's lines and what they say (None if they
        have no other line that parts into its words)."""
        line = self.lines[index]
        mates = [m for m in self.by_form[line.form] if m.id != source_line(line.id)]
        if not mates:
            return None
        most = int(rng.integers(PROMPT_LEAST, max(PROMPT_LEAST, self.prompt_points) + 1))
        mate = mates[rng.integers(len(mates))]
        return prompt_words(mate.offsets, mate.text, most, rng)

    def _prompts(self, indices: list[int], rng: np.random.Generator) -> dict:
        """Prompts padded on the left (so every sample's own points start at the same step):
        their characters [B, Lp], points [B, P, 5], reading positions [B, P] and where they
        are real [B, P]. A sample without one has an empty text and no points."""
        chosen = [self.prompt(i, rng) if rng.random() < self.prompts else None for i in indices]
        chosen = [c or (np.zeros((0, 3), np.float32), "") for c in chosen]
        p = max(len(o) for o, _ in chosen)
        ids = [encode(t) for _, t in chosen]
        chars = torch.full((len(indices), max(map(len, ids))), PAD, dtype=torch.long)
        offsets, reading = torch.zeros(len(indices), p, 3), torch.zeros(len(indices), p)
        mask = torch.zeros(len(indices), p, dtype=torch.bool)
        for k, ((o, text), row) in enumerate(zip(chosen, ids)):
            chars[k, :len(row)] = torch.tensor(row)
            if len(o):
                offsets[k, p - len(o):], mask[k, p - len(o):] = torch.from_numpy(o), True
                reading[k, p - len(o):] = torch.from_numpy(alignment(text, o))
        goes_on = [prompt_continues(o, t) if len(o) else {"offset": 0, "pen": (0.0, 0.0)} for o, t in chosen]
        return {"prompt_chars": chars, "prompt": prompt_inputs(offsets),
                "prompt_reading": reading, "prompt_mask": mask,
                "prompt_offset": torch.tensor([float(g["offset"]) for g in goes_on]),
                "prompt_pen": torch.tensor([g["pen"] for g in goes_on], dtype=torch.float32)}

    def __call__(self, indices: list[int], rng: np.random.Generator, with_style: bool = True) -> dict:
        lines = [self.lines[i] for i in indices]
        ids = [encode(l.text) for l in lines]
        b, s, width = len(lines), max(len(l.offsets) for l in lines), max(map(len, ids))
        chars = torch.full((b, width), PAD, dtype=torch.long)
        target = torch.zeros(b, s, 3)
        mask = torch.zeros(b, s, dtype=torch.bool)
        align = torch.zeros(b, s)
        slip = torch.zeros(b, s)
        for k, (line, row) in enumerate(zip(lines, ids)):
            n = len(line.offsets)
            chars[k, :len(row)] = torch.tensor(row)
            target[k, :n] = torch.from_numpy(line.offsets)
            mask[k, :n] = True
            align[k, :n] = torch.from_numpy(alignment(line.text, line.offsets))
            if self.reading_drift > 0:
                slip[k, :n] = torch.from_numpy(drift(n, self.reading_drift, rng))
        prompts = self._prompts(indices, rng) if self.prompts > 0 else {}
        # After a prompt the words go on from it, as a line's next words do.
        inputs = decoder_inputs(target, prompts["prompt_pen"] if prompts else None)
        last = (chars != PAD).sum(1, keepdim=True) - 2            # the last character before EOS
        reading = torch.minimum((align + slip).clamp(min=0), last) * mask
        advance = torch.cat([(align[:, 1:] - align[:, :-1]) * mask[:, 1:], torch.zeros(b, 1)], 1)
        advance = advance - DRIFT_PULL * (reading - align)
        history = {}
        if self.history_dropout > 0:
            # Each sample hides its own earlier points from later ones at a rate of its own.
            rate = torch.from_numpy(rng.uniform(0, self.history_dropout, (b, 1))).float()
            history = {"history_keep": torch.from_numpy(rng.random((b, s))).float() >= rate}
        images = None
        if with_style:
            images = torch.from_numpy(np.stack([self.style_tiles(i, rng) for i in indices]))[:, :, None]
        return {"chars": chars, "inputs": inputs, "target": target, "mask": mask, "align": align, "reading": reading,
                "advance": advance, "length": mask.sum(1), "images": images,
                **prompts, **history}
