"""The model's one entry point for writing: lines of text and pictures in, strokes and SVG path data out."""
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from .network import HandwritingModel
from .paths import PathConfig, path_data, strokes_of
from .references import tiles_from_image
from .sampling import SampleConfig, generate

MAX_TILES = 16   # style tiles per request; more adds time, not likeness


@dataclass
class WrittenLine:
    text: str
    offsets: np.ndarray          # the raw sampled (dx, dy, pen), data units
    strokes: list[np.ndarray]    # absolute, smoothed, px
    paths: list[str]             # SVG path data, one per pen-down stroke


class NoHandwritingFound(ValueError):
    """None of the style pictures holds anything that looks like a line of writing."""


class Writer:
    def __init__(self, model: HandwritingModel):
        self.model = model
        self.device = next(model.parameters()).device

    def style(self, images: list[Image.Image]) -> torch.Tensor | None:
        """Style tiles [1, N, 1, 64, 64] cut from all the pictures, or None when there are none."""
        if not images:
            return None
        per_image = max(1, MAX_TILES // len(images))
        tiles = [t for image in images for t in tiles_from_image(image, per_image)]
        if not tiles:
            raise NoHandwritingFound("no handwriting found in the style images")
        return torch.from_numpy(np.stack(tiles[:MAX_TILES]))[None, :, None].to(self.device)

    def write(self, lines: list[str], images: list[Image.Image] | None = None,
              sample: SampleConfig = SampleConfig(), paths: PathConfig = PathConfig()) -> list[WrittenLine]:
        """Every line sampled in one batch; blank lines come back empty."""
        style = self.style(images or [])
        wanted = [i for i, line in enumerate(lines) if line.strip()]
        texts = [lines[i].strip() for i in wanted]
        offsets = {}
        if texts:
            batch_style = None if style is None else style.expand(len(texts), -1, -1, -1, -1)
            offsets = dict(zip(wanted, generate(self.model, texts, batch_style, sample)))
        out = []
        for i, text in enumerate(lines):
            off = offsets.get(i, np.zeros((0, 3), np.float32))
            strokes = strokes_of(off, paths)
            out.append(WrittenLine(text, off, strokes, [path_data(s) for s in strokes]))
        return out
