"""Batches as the network reads them, for training and validation: padded tensors,
alignment targets, and style tiles from the same writer."""
from collections import defaultdict

import numpy as np
import torch

from ..data.alignment import alignment
from ..data.iamondb import Line, by_form
from ..style.references import scanned, tiles_from_image
from ..data.segments import source_line
from ..net.network import IMAGE_SIZE, decoder_inputs
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


def batches(lines: list[Line], max_points: int, rng: np.random.Generator, rank=0, world=1):
    """Lists of line indices of similar length, at most `max_points` padded points each, shuffled."""
    order = np.argsort([len(l.offsets) + rng.random() * 20 for l in lines])
    out, current = [], []
    for i in order:
        if current and (len(current) + 1) * len(lines[i].offsets) > max_points:
            out.append(current)
            current = []
        current.append(int(i))
    if current:
        out.append(current)
    rng.shuffle(out)
    return out[rank::world][: len(out) // world]


class Collator:
    """Turns a list of lines (or words) into model inputs; style tiles come from other whole
    lines of each writer, as a user's pictures show whole lines."""

    def __init__(self, lines: list[Line], references: int, reading_drift: float = 0.0,
                 whole_lines: list[Line] | None = None):
        self.lines = lines
        self.references = references
        self.reading_drift = reading_drift
        self.whole_lines = whole_lines if whole_lines is not None else lines
        self.by_form = defaultdict(list, {form: [self.whole_lines[i] for i in idx]
                                          for form, idx in by_form(self.whole_lines).items()})

    def style_tiles(self, index: int, rng: np.random.Generator) -> np.ndarray:
        line = self.lines[index]
        same_form = self.by_form[line.form]
        mates = [m for m in same_form if m.id != source_line(line.id)] or same_form
        tiles = tiles_from_image(scanned(mates[rng.integers(len(mates))].offsets, rng), self.references, rng)
        if len(tiles) == 0:
            return np.zeros((self.references, IMAGE_SIZE, IMAGE_SIZE), np.float32)
        return tiles[np.arange(self.references) % len(tiles)]

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
        inputs = decoder_inputs(target)
        last = (chars != PAD).sum(1, keepdim=True) - 2            # the last character before EOS
        reading = torch.minimum((align + slip).clamp(min=0), last) * mask
        advance = torch.cat([(align[:, 1:] - align[:, :-1]) * mask[:, 1:], torch.zeros(b, 1)], 1)
        advance = advance - DRIFT_PULL * (reading - align)
        images = None
        if with_style:
            images = torch.from_numpy(np.stack([self.style_tiles(i, rng) for i in indices]))[:, :, None]
        return {"chars": chars, "inputs": inputs, "target": target, "mask": mask, "align": align, "reading": reading,
                "advance": advance, "length": mask.sum(1), "images": images}
