"""An independent judge of style likeness: a writer-identification encoder trained apart
from the generator, on real lines of the training writers only.

Eval asks it whether writing in a writer's style lands nearer that writer's real lines
than other writers'. The generator's own style encoder cannot judge this fairly: it was
trained to read exactly what the generator reads.
"""
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ..config import JudgeConfig
from ..data.iamondb import Line, by_form as forms_of
from ..net.network import IMAGE_SIZE
from ..style.references import render, tiles_from_image

JUDGE_PX_PER_UNIT = 2.8   # eval renders real and written lines alike, at this scale


class Judge(nn.Module):
    def __init__(self, classes: int, dim: int = 64):
        super().__init__()
        widths = [1, 32, 64, 96, 128]
        self.features = nn.Sequential(*[
            nn.Sequential(nn.Conv2d(a, b, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU())
            for a, b in zip(widths, widths[1:])], nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.embedding = nn.Linear(widths[-1], dim)
        self.classify = nn.Linear(dim, classes)

    def forward(self, tiles: torch.Tensor) -> torch.Tensor:
        """[B, N, 64, 64] tiles of one writer per row -> [B, dim] unit-length writer embedding."""
        b, n = tiles.shape[:2]
        per_tile = self.features(tiles.reshape(b * n, 1, IMAGE_SIZE, IMAGE_SIZE)).reshape(b, n, -1)
        return nn.functional.normalize(self.embedding(per_tile.mean(1)), dim=1)


def line_tiles(offsets: np.ndarray, count: int) -> np.ndarray:
    """`count` tiles of a line rendered as eval renders it (repeated if the line is short)."""
    tiles = tiles_from_image(render(offsets, JUDGE_PX_PER_UNIT), count)
    if len(tiles) == 0:
        return np.zeros((count, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    return tiles[np.arange(count) % len(tiles)]


def embed(judge: Judge, lines: list[np.ndarray], tiles: int = 8) -> torch.Tensor:
    """One writer embedding per line of handwriting (offsets)."""
    with torch.no_grad():
        return judge.eval()(torch.from_numpy(np.stack([line_tiles(o, tiles) for o in lines])))


def retrieval(judge: Judge, queries: list[np.ndarray], bank: list[np.ndarray]) -> float:
    """Share of query lines whose nearest bank line (cosine) is their own writer's (same row)."""
    nearest = (embed(judge, queries) @ embed(judge, bank).T).argmax(1)
    return float((nearest == torch.arange(len(queries))).float().mean())


def train_judge(train: list[Line], valid: list[Line], cfg: JudgeConfig) -> tuple[Judge, float]:
    """A judge trained to tell the training forms' writers apart from tiles of their lines;
    and its top-1 retrieval among groups of `cfg.writers` validation writers (one real line
    against another), the ceiling that written lines are measured against."""
    rng = np.random.default_rng(cfg.seed)
    torch.manual_seed(cfg.seed)
    by_form = {f: [train[i] for i in idx] for f, idx in forms_of(train).items()}
    forms = sorted(f for f, ls in by_form.items() if len(ls) >= 2)
    # Every line's tiles once, as bytes: rendering is most of the cost, and a line's tiles
    # hardly change between renderings.
    bank = {f: [(line_tiles(l.offsets, cfg.tiles) * 255).astype(np.uint8) for l in by_form[f]]
            for f in tqdm(forms, desc="judge: tiles", unit="form")}
    judge = Judge(len(forms))
    optimizer = torch.optim.AdamW(judge.parameters(), lr=cfg.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, cfg.lr, total_steps=cfg.steps)
    for _ in tqdm(range(cfg.steps), desc="judge: training", unit="step"):
        picked = rng.choice(len(forms), min(cfg.forms_per_batch, len(forms)), replace=False)
        tiles = []
        for k in picked:
            lines = bank[forms[k]]
            line = lines[rng.integers(len(lines))]
            tiles.append(line[rng.permutation(cfg.tiles)[: cfg.tiles // 2]])   # half a line's tiles
        x = torch.from_numpy(np.stack(tiles)).float() / 255
        judge.train()
        loss = nn.functional.cross_entropy(judge.classify(judge(x)), torch.from_numpy(picked))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    return judge, validation_retrieval(judge, valid, cfg.writers)


def validation_retrieval(judge: Judge, valid: list[Line], writers: int) -> float:
    pairs = [[valid[i] for i in idx[:2]] for _, idx in sorted(forms_of(valid).items()) if len(idx) >= 2]
    scores = [retrieval(judge, [b.offsets for _, b in group], [a.offsets for a, _ in group])
              for group in (pairs[i:i + writers] for i in range(0, len(pairs) - writers + 1, writers))]
    return float(np.mean(scores)) if scores else float("nan")   # fewer validation writers than a group


def save_judge(judge: Judge, path: Path, card: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v for k, v in judge.state_dict().items() if not k.startswith("classify.")}
    torch.save({"state": state, "dim": judge.embedding.out_features, "card": card}, path)


def load_judge(path: Path) -> Judge:
    if not path.exists():
        raise FileNotFoundError(f"no style judge at {path}: train one with 'inkscribe judge'")
    saved = torch.load(path, map_location="cpu", weights_only=False)
    judge = Judge(classes=1, dim=saved["dim"])
    judge.load_state_dict(saved["state"], strict=False)
    judge.card = saved["card"]
    return judge.eval()
