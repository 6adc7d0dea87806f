"""The model's one entry point for writing: lines of text and pictures in, strokes and SVG path data out."""
from dataclasses import dataclass, field

import numpy as np
import torch
from PIL import Image

from .network import HandwritingModel
from .paths import PathConfig, path_data, strokes_of
from .references import tiles_from_image
from .sampling import SampleConfig, generate, per_line

MAX_TILES = 16   # style tiles per request; more adds time, not likeness


@dataclass
class WrittenLine:
    text: str
    offsets: np.ndarray          # the raw sampled (dx, dy, pen), data units
    strokes: list[np.ndarray]    # absolute, smoothed, px; x from 0, the line's middle at y = 0
    paths: list[str]             # SVG path data, one per pen-down stroke


@dataclass
class Task:
    """One request's lines, all written by one writer with one set of options."""
    lines: list[str]
    style: torch.Tensor | None = None      # from Writer.style
    sample: SampleConfig = field(default_factory=SampleConfig)
    paths: PathConfig = field(default_factory=PathConfig)


class NoHandwritingFound(ValueError):
    """None of the style pictures holds anything that looks like a line of writing."""


class Writer:
    def __init__(self, model: HandwritingModel, max_batch: int = 32):
        self.model = model.eval()
        self.max_batch = max_batch
        self.device = next(model.parameters()).device

    @torch.no_grad()
    def style(self, images: list[Image.Image]) -> torch.Tensor | None:
        """The writer's style [d_model] from tiles cut from all the pictures; None without pictures."""
        if not images:
            return None
        per_image = max(1, MAX_TILES // len(images))
        tiles = [t for image in images for t in tiles_from_image(image, per_image)]
        if not tiles:
            raise NoHandwritingFound("no handwriting found in the style images")
        return self.model.style(torch.from_numpy(np.stack(tiles[:MAX_TILES]))[None, :, None].to(self.device), 1)[0]

    @torch.no_grad()
    def write(self, tasks: list[Task]) -> list[list[WrittenLine]]:
        """Every task's lines, sampled together in batches of up to max_batch; blank lines come back empty."""
        jobs = []  # (task index, line index, text, style, sample config)
        for t, task in enumerate(tasks):
            for i, (line, cfg) in enumerate(zip(task.lines, per_line(task.sample, len(task.lines)))):
                if line.strip():
                    style = task.style if task.style is not None else self.model.style.no_style
                    jobs.append((t, i, line.strip(), style, cfg))
        offsets = {}
        for start in range(0, len(jobs), self.max_batch):
            chunk = jobs[start:start + self.max_batch]
            written = generate(self.model, [j[2] for j in chunk], torch.stack([j[3] for j in chunk]),
                               [j[4] for j in chunk])
            offsets.update({(j[0], j[1]): o for j, o in zip(chunk, written)})
        out = []
        for t, task in enumerate(tasks):
            lines = []
            for i, text in enumerate(task.lines):
                off = offsets.get((t, i), np.zeros((0, 3), np.float32))
                strokes = strokes_of(off, task.paths)
                lines.append(WrittenLine(text, off, strokes, [path_data(s) for s in strokes]))
            out.append(lines)
        return out
