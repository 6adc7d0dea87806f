"""A reader of pen strokes: a small online handwriting recogniser (CTC), trained apart
from the generator on real words cut from the training lines.

The writer samples a few versions of each word and keeps the one this reader finds
likeliest to say the word: a version that skipped, doubled or garbled a letter reads
worse. It reads the strokes themselves, not a picture, and is no part of eval, which
reads rendered lines with tesseract.
"""
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .cer import cer
from ..page.charset import CHARS
from ..config import LINE_HEIGHT, ReaderConfig
from ..data.iamondb import Line
from ..data.composed import composed_words
from ..data.segments import with_words

BLANK = 0
_INDEX = {c: i + 1 for i, c in enumerate(CHARS)}


def features(offsets: np.ndarray) -> np.ndarray:
    """Per point: the step, the pen lift, and the height from the word's middle, in line heights."""
    y = np.cumsum(offsets[:, 1])
    y = y - (y.min() + y.max()) / 2
    return np.column_stack([offsets[:, :2] / LINE_HEIGHT * 4, offsets[:, 2], y / LINE_HEIGHT * 2]).astype(np.float32)


def distorted(offsets: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same word as another hand might shape it: scaled, slanted and squashed a little."""
    sx, sy = rng.uniform(0.8, 1.25), rng.uniform(0.8, 1.25)
    shear = rng.uniform(-0.35, 0.35)
    out = offsets.copy()
    out[:, 0] = offsets[:, 0] * sx + shear * offsets[:, 1] * sy
    out[:, 1] = offsets[:, 1] * sy
    return out


def _native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX-512 BF16, AMX): there the LSTM reads
    several times as fast in it; elsewhere bfloat16 is emulated, and slower."""
    probe = getattr(torch.cpu, "_is_avx512_bf16_supported", None)   # private, hence the guard
    return bool(probe is not None and probe())


class Reader(nn.Module):
    def __init__(self, width: int = 160):
        super().__init__()
        self.convolve = nn.Sequential(nn.Conv1d(4, width, 5, padding=2), nn.ReLU(),
                                      nn.Conv1d(width, width, 5, padding=2), nn.ReLU())
        self.recur = nn.LSTM(width, width, num_layers=2, batch_first=True, bidirectional=True)
        self.classify = nn.Linear(2 * width, len(CHARS) + 1)
        # Reading in bfloat16: set where it is native (`load_reader`); training stays in float32.
        self.bfloat16 = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, T, 4] features -> [B, T, classes] log-probabilities."""
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bfloat16 and not self.training):
            h = self.convolve(x.transpose(1, 2)).transpose(1, 2)
            scores = self.classify(self.recur(h)[0])
        return scores.float().log_softmax(-1)


def _batch(words: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([len(w) for w in words])
    x = torch.zeros(len(words), int(lengths.max()), 4)
    for k, w in enumerate(words):
        x[k, :len(w)] = torch.from_numpy(features(w))
    return x, lengths


def _targets(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    ids = [[_INDEX[c] for c in t] for t in texts]
    return torch.tensor([i for row in ids for i in row]), torch.tensor([len(row) for row in ids])


@torch.no_grad()
def misreading(reader: Reader, words: list[np.ndarray], texts: list[str]) -> np.ndarray:
    """For each written word (offsets), how unlikely the reader finds its text, per letter
    (CTC loss / letters); lower reads better."""
    x, lengths = _batch(words)
    targets, target_lengths = _targets(texts)
    logp = reader.eval()(x).transpose(0, 1)
    loss = nn.functional.ctc_loss(logp, targets, lengths, target_lengths, BLANK, reduction="none",
                                  zero_infinity=False)
    return (loss / target_lengths).numpy()


@torch.no_grad()
def read(reader: Reader, words: list[np.ndarray]) -> list[str]:
    """Best-path reading of each word."""
    x, lengths = _batch(words)
    best = reader.eval()(x).argmax(-1)
    out = []
    for row, n in zip(best.tolist(), lengths.tolist()):
        chars, last = [], BLANK
        for k in row[:n]:
            if k != last and k != BLANK:
                chars.append(CHARS[k - 1])
            last = k
        out.append("".join(chars))
    return out


def _words(lines: list[Line]) -> list[Line]:
    return [w for w in with_words(lines) if "#" in w.id and len(w.offsets) > len(w.text)]


def train_reader(train: list[Line], valid: list[Line], cfg: ReaderConfig) -> tuple[Reader, float]:
    """A reader trained on the training lines' words; and its CER on validation words."""
    rng = np.random.default_rng(cfg.seed)
    torch.manual_seed(cfg.seed)
    words, held = _words(train), _words(valid)[: cfg.valid_words]
    words += composed_words(words, cfg.composed_words, cfg.seed) if cfg.composed_words else []
    print(f"reader: {len(words)} training words, {len(held)} validation words")
    reader = Reader(cfg.width)
    optimizer = torch.optim.AdamW(reader.parameters(), lr=cfg.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, cfg.lr, total_steps=cfg.steps)
    order = np.argsort([len(w.offsets) for w in words])
    for _ in (bar := tqdm(range(cfg.steps), desc="reader: training", unit="step")):
        # Words of like length together: little padding, and the LSTM's cost is the longest.
        start = rng.integers(0, max(1, len(order) - cfg.batch + 1))   # all of them, when fewer than a batch
        picked = [words[i] for i in order[start:start + cfg.batch]]
        x, lengths = _batch([distorted(w.offsets, rng) for w in picked])
        targets, target_lengths = _targets([w.text for w in picked])
        reader.train()
        loss = nn.functional.ctc_loss(reader(x).transpose(0, 1), targets, lengths, target_lengths, BLANK,
                                      zero_infinity=True)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(reader.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    guesses = [g for k in range(0, len(held), 256) for g in read(reader, [w.offsets for w in held[k:k + 256]])]
    return reader, float(np.mean([cer(w.text, g) for w, g in zip(held, guesses)]))


def save_reader(reader: Reader, path: Path, card: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.half() for k, v in reader.state_dict().items()}
    torch.save({"state": state, "width": reader.classify.in_features // 2, "card": card}, path)


def load_reader(path: Path, bfloat16: bool | None = None) -> Reader | None:
    """The shipped reader, or None where there is none (the writer then keeps every word's first version).
    bfloat16: whether it reads in bfloat16 (default: where the CPU computes it natively, which
    reads several times as fast; docs/performance.md has what it does to legibility)."""
    if not path.exists():
        return None
    saved = torch.load(path, map_location="cpu", weights_only=True)
    reader = Reader(saved["width"])
    reader.load_state_dict({k: v.float() for k, v in saved["state"].items()})
    reader.card = saved["card"]
    reader.bfloat16 = _native_bfloat16() if bfloat16 is None else bfloat16
    return reader.eval()
