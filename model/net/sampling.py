"""Autoregressive writing: text (and style tiles) in, pen offsets out.

Alignment is held at inference by the reading position: it starts at the first
character and moves only forward, by the advance the model predicts after each point
(at most one character), and cross-attention may only see a few characters around it.
Writing stops when the end unit fires after the last character, or at a hard length guard.
"""
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch

from . import gmm
from ..config import WRITING
from ..page.charset import PAD, encode, normalise
from ..seeds import derive
from .network import HandwritingModel, with_position


@dataclass
class SampleConfig:
    temperature: float = WRITING["temperature"].default
    bias: float = WRITING["bias"].default   # legibility: 0 = as varied as the data, higher = neater
    seed: int | None = None
    window_back: int = 2         # characters behind the reading position that stay visible
    window_ahead: int = 3
    max_points_per_char: int = 14  # length guard: about 2.5x the data's mean
    use_cache: bool = True
    versions: int = WRITING["versions"].default   # of each word; a writer with a reader keeps the one it reads best


class Interrupted(Exception):
    """Writing was stopped part way (the caller's `stop` said so)."""


def guard(text: str, cfg: SampleConfig) -> int:
    """The most points a text may take: writing stops there if the end unit has not fired."""
    return len(normalise(text)) * cfg.max_points_per_char + 20


def pad_chars(texts: list[str], device) -> torch.Tensor:
    ids = [encode(t) for t in texts]
    out = torch.full((len(ids), max(map(len, ids))), PAD, dtype=torch.long)
    for i, row in enumerate(ids):
        out[i, :len(row)] = torch.tensor(row)
    return out.to(device)


def per_line(cfg: SampleConfig, lines: int) -> list[SampleConfig]:
    """One config per line, each seeded apart, so that lines differ."""
    return [replace(cfg, seed=None if cfg.seed is None else derive(cfg.seed, i)) for i in range(lines)]


def _kept(buffer: torch.Tensor, keep: torch.Tensor, filled: int) -> torch.Tensor:
    """A key/value buffer's rows `keep`, as large as before: only its `filled` steps copied."""
    out = buffer.new_empty(int(keep.sum()), *buffer.shape[1:])
    out[:, :, :filled] = buffer[keep, :, :filled]
    return out


def window_at(reading: torch.Tensor, index: torch.Tensor, back: int, ahead: int) -> torch.Tensor:
    """[B, 1, L]: which characters cross-attention may see from each row's reading position."""
    base = reading.round()[:, None]
    return ((index >= base - back) & (index <= base + ahead))[:, None]


def draw(params: torch.Tensor, end: torch.Tensor, advance: torch.Tensor, temperature: torch.Tensor,
         bias: torch.Tensor, uniform: torch.Tensor, normal: torch.Tensor, reading: torch.Tensor,
         n_chars: torch.Tensor, pen_at: torch.Tensor, index: torch.Tensor, back: int, ahead: int) -> tuple:
    """One step's point from the decoder's outputs, and what the next step starts from: (point,
    whether it ends its word, reading position, pen position, next input, next window)."""
    point = gmm.sample(gmm.split(params, temperature, bias), uniform, normal)
    finished = (torch.sigmoid(end) > 0.5) & (reading >= n_chars - 1.5)
    point = torch.cat([point[:, :2], torch.where(finished[:, None], 1.0, point[:, 2:])], 1)
    pen_at = pen_at + point[:, :2]
    reading = torch.minimum(reading + advance.clamp(0, 1), (n_chars - 1).float())
    return (point, finished, reading, pen_at, with_position(point[:, None], pen_at[:, None]),
            window_at(reading, index, back, ahead))


@dataclass
class Steps:
    """How a writing step is computed: the decoder's step (`model.decode`) and the point drawn
    from it (`draw`), each as it is or compiled."""
    decode: Callable
    draw: Callable

    @classmethod
    def eager(cls, model: HandwritingModel) -> "Steps":
        return cls(model.decode, draw)

    @classmethod
    def compiled(cls, model: HandwritingModel) -> "Steps":
        """Both compiled by torch.compile (inductor: a step's many small operations fused into
        a few C++ kernels). They compile on their first calls, which takes tens of seconds and
        a C++ compiler (docs/performance.md has what it gains)."""
        return cls(torch.compile(model.decode, dynamic=True), torch.compile(draw, dynamic=True))

    def without_recompiling(self) -> "Steps":
        """The same steps, run eagerly where their compiled code does not fit a call instead
        of compiling again in the middle of someone's request."""
        def eager_on_recompile(compiled: Callable) -> Callable:
            def run(*args, **kwargs):
                with torch.compiler.set_stance("eager_on_recompile"):
                    return compiled(*args, **kwargs)
            return run
        return Steps(eager_on_recompile(self.decode), eager_on_recompile(self.draw))


@torch.no_grad()
def generate(model: HandwritingModel, texts: list[str], style: torch.Tensor | None = None,
             cfg: SampleConfig | list[SampleConfig] = SampleConfig(),
             positions: list | None = None, stop: Callable[[], bool] | None = None,
             steps: Steps | None = None) -> list[np.ndarray]:
    """Offsets [n_i, 3] for each text, all lines sampled as one batch; if a list is given
    as `positions`, each text's reading position (the character being written) at each of
    its points is appended to it. `stop`, asked before every step, raises Interrupted once it
    says so: a daemon told to stop does not finish minutes of work first.

    style: [B, d_model] from `model.style` (one writer per line), or None for the
    model's own neutral hand. cfg: one for all lines, or one per line; each line's
    temperature, bias and seed are its own, so a line writes the same whatever it is
    batched with. The window and guard settings of the first apply to all.

    steps: how each step is computed (default `Steps.eager(model)`; `Steps.compiled` is faster).
    """
    model.eval()
    steps = steps or Steps.eager(model)
    rows = cfg if isinstance(cfg, list) else per_line(cfg, len(texts))
    first = rows[0]
    device = next(model.parameters()).device
    chars = pad_chars(texts, device)
    batch, width = chars.shape
    n_chars = (chars != PAD).sum(1) - 1          # without EOS
    context = model.encode(chars, model.style(None, batch) if style is None else style)
    temperature = torch.tensor([[r.temperature] for r in rows], device=device)
    bias = torch.tensor([[r.bias] for r in rows], device=device)
    # Every random number a line may use, drawn up front from its own generator: its
    # strokes do not depend on what it is batched with, and a step costs no call per line.
    limit = torch.tensor([guard(t, first) for t in texts], device=device)
    uniform, normal = (torch.zeros(batch, int(limit.max()), 2, device=device) for _ in range(2))
    for k, (r, n) in enumerate(zip(rows, limit.tolist())):
        g = torch.Generator(device).manual_seed(r.seed if r.seed is not None else int(torch.randint(2**31, ())))
        uniform[k, :n] = torch.rand(n, 2, generator=g, device=device)
        normal[k, :n] = torch.randn(n, 2, generator=g, device=device)
    index = torch.arange(width, device=device)
    n_steps = int(limit.max())
    strokes = torch.zeros(batch, n_steps, 3, device=device)
    at = torch.zeros(batch, n_steps, device=device)   # each point is drawn reading the character before its step
    length = limit.clone()

    alive = torch.arange(batch, device=device)      # the lines still being written
    reading = torch.zeros(batch, device=device)
    done = torch.zeros(batch, dtype=torch.bool, device=device)
    # The cache's buffers made here, not by the first step: a compiled step then has one shape to fit.
    heads, d = model.cfg.heads, model.cfg.d_model
    cache = [{"capacity": n_steps + 1, "n": 0, **{name: torch.empty(batch, heads, n_steps + 1, d // heads, device=device)
                                                for name in ("k", "v")}}
             for _ in model.layers] if first.use_cache else None
    pen_at = torch.zeros(batch, 2, device=device)
    inputs = [with_position(torch.zeros(batch, 1, 3, device=device), pen_at[:, None])]
    readings, windows = [reading[:, None]], []
    window = window_at(reading, index, first.window_back, first.window_ahead)
    for step in range(n_steps):
        if stop is not None and stop():
            raise Interrupted
        if cache is not None:
            # The reading position copied, not a view of `reading` as it is until words leave
            # the batch: a compiled step is specialised on which of the two it is given.
            params, end, advance, _ = steps.decode(inputs[-1], readings[-1].clone(), context, window, cache)
        else:
            windows.append(window)
            params, end, advance, _ = model.decode(torch.cat(inputs, 1), torch.cat(readings, 1), context,
                                                   torch.cat(windows, 1))
        at[alive, step] = reading
        point, finished, reading, pen_at, newest, window = steps.draw(
            params[:, -1], end[:, -1], advance[:, -1], temperature, bias, uniform[:, step], normal[:, step],
            reading, n_chars, pen_at, index, first.window_back, first.window_ahead)
        newly = finished & ~done
        length[alive] = torch.where(newly, step + 1, length[alive])
        done |= newly | (step + 1 >= limit)
        strokes[alive, step] = point
        if cache is not None:   # the past is in the cache: only the newest input is read
            inputs, readings = [], []
        inputs.append(newest)
        readings.append(reading[:, None])
        if done.all():
            break
        if done.sum() * 4 >= len(alive):
            # A quarter of the batch has ended: the rest go on without them (a word that
            # runs on to its guard no longer keeps a whole batch stepping).
            keep = ~done
            alive, reading, done, n_chars, limit = alive[keep], reading[keep], done[keep], n_chars[keep], limit[keep]
            temperature, bias, uniform, normal, pen_at = (t[keep] for t in (temperature, bias, uniform, normal, pen_at))
            inputs, readings, windows = ([t[keep] for t in ts] for ts in (inputs, readings, windows))
            window = window[keep]
            context = {"style": context["style"][keep], "chars_mask": context["chars_mask"][keep],
                       "memory": [(k[keep], v[keep]) for k, v in context["memory"]]}
            for layer in cache or []:
                layer.update(k=_kept(layer["k"], keep, layer["n"]), v=_kept(layer["v"], keep, layer["n"]))
    out = []
    for row, read, n in zip(strokes.cpu().numpy(), at.cpu().numpy(), length.tolist()):
        row = row[:n].copy()
        row[-1, 2] = 1
        out.append(row)
        if positions is not None:
            positions.append(read[:n])
    return out
