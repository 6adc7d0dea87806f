"""Autoregressive writing: text (and style tiles) in, pen offsets out.

Alignment is held at inference by a monotonic window on cross-attention: each line
keeps a reading position that only moves forward, at most one character per point,
and the decoder may only attend to a few characters around it. Writing stops when
the end head fires at a pen-up after the last character, or at a hard length guard.
"""
from dataclasses import dataclass

import numpy as np
import torch

from . import gmm
from .charset import PAD, encode
from .network import HandwritingModel


@dataclass
class SampleConfig:
    temperature: float = 1.0
    bias: float = 0.75           # legibility: 0 = as varied as the data, higher = neater
    seed: int | None = None
    window_back: int = 2         # characters behind the reading position that stay visible
    window_ahead: int = 3
    max_points_per_char: int = 14  # length guard: about 2.5x the data's mean
    use_cache: bool = True


def pad_chars(texts: list[str], device) -> torch.Tensor:
    ids = [encode(t) for t in texts]
    out = torch.full((len(ids), max(map(len, ids))), PAD, dtype=torch.long)
    for i, row in enumerate(ids):
        out[i, :len(row)] = torch.tensor(row)
    return out.to(device)


@torch.no_grad()
def generate(model: HandwritingModel, texts: list[str], images: torch.Tensor | None = None,
             cfg: SampleConfig = SampleConfig()) -> list[np.ndarray]:
    """Offsets [n_i, 3] for each text, all lines sampled as one batch.

    images: [B, N, 1, 64, 64] style tiles, or None for the model's own neutral hand.
    """
    model.eval()
    device = next(model.parameters()).device
    chars = pad_chars(texts, device)
    batch, width = chars.shape
    n_chars = (chars != PAD).sum(1) - 1          # without EOS
    context = model.encode(chars, images)
    generator = torch.Generator(device)
    generator.manual_seed(cfg.seed if cfg.seed is not None else int(torch.randint(2**31, ())))
    limit = n_chars * cfg.max_points_per_char + 20
    index = torch.arange(width, device=device)

    position = torch.zeros(batch, device=device)
    done = torch.zeros(batch, dtype=torch.bool, device=device)
    length = limit.clone()
    cache = [{} for _ in model.layers] if cfg.use_cache else None
    points, windows = [torch.zeros(batch, 1, 3, device=device)], []
    for step in range(int(limit.max())):
        base = position.floor()[:, None]
        window = ((index >= base - cfg.window_back) & (index <= base + cfg.window_ahead))[:, None]
        if cache is not None:
            params, end, attention = model.decode(points[-1], context, step, window, cache)
        else:
            windows.append(window)
            params, end, attention = model.decode(torch.cat(points, 1), context, 0, torch.cat(windows, 1))
        point = gmm.sample(gmm.split(params[:, -1], cfg.temperature, cfg.bias), generator)
        centroid = (attention[:, :, -1].mean(0) * index).sum(-1)
        position = torch.minimum(torch.maximum(position, centroid), position + 1)
        finished = (torch.sigmoid(end[:, -1]) > 0.5) & (position >= n_chars - 1.5)
        point[:, 2] = torch.where(finished, 1.0, point[:, 2])
        newly = finished & ~done
        length = torch.where(newly, step + 1, length)
        done |= newly | (step + 1 >= limit)
        points.append(point[:, None])
        if done.all():
            break
    strokes = torch.cat(points[1:], 1).cpu().numpy()
    out = []
    for row, n in zip(strokes, length.tolist()):
        row = row[:n].copy()
        row[-1, 2] = 1
        out.append(row)
    return out
