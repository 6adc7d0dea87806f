"""A glyph bank (a probe of the hand issue's second route; run it from the repository root).

The decoder reads the text through cross-attention held near its reading position. Here each
character of the text also carries how *this writer* wrote that character: its examples, cut
from the writer's other lines, are encoded by a small network and added to the character's
encoding (through a projection that starts at zero, so the probe starts as the shipped model).
Trained from the shipped weights on IAM-OnDB's training lines, each line's bank cut from the
other lines of its form, characters dropped from it at random so that a character the samples
lack falls back to the model's own.

    python docs/probes/glyph_bank.py train --out runs/glyph --minutes 70 [--resume]
    python docs/probes/hands.py bank --bank runs/glyph/checkpoint.pt --read

Glyphs are cut by splitting a line into words (model/data/segments.py) and laying a word's
characters along its ink in proportion to rough widths (model/data/alignment.py): the cut is
rough, and the same at training and at writing time.
"""
import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from inkscribe.model.config import DataConfig
from inkscribe.model.data import iamondb
from inkscribe.model.data.alignment import alignment
from inkscribe.model.data.segments import split_words
from inkscribe.model.evaluation.likelihood import on_device
from inkscribe.model.net.checkpoint import atomic_save, load_model
from inkscribe.model.net.loss import losses
from inkscribe.model.net.network import HandwritingModel, _positions, sinusoid
from inkscribe.model.page.charset import PAD, VOCAB_SIZE, encode
from inkscribe.model.samples.batches import Collator, batches

GLYPH_POINTS = 32     # a glyph's points, resampled (a letter at the data's step is 10-30 points)
EXAMPLES = 3          # examples of a character the bank gives per line
DROP_CHAR, DROP_BANK = 0.25, 0.1


def glyphs_of(offsets: np.ndarray, text: str) -> list[tuple[int, np.ndarray]]:
    """(character id, points [GLYPH_POINTS, 3]: x, y from the glyph's first point, pen) of every
    letter of a line that splits into its words."""
    words = split_words(offsets, text)
    out = []
    for word, off in words or []:
        where = np.rint(alignment(word, off)).astype(int)
        xy = np.cumsum(off[:, :2], 0)
        for i, c in enumerate(word):
            idx = np.nonzero(where == i)[0]
            if len(idx) < 3:
                continue
            pick = idx[np.linspace(0, len(idx) - 1, GLYPH_POINTS).round().astype(int)]
            points = np.column_stack([xy[pick] - xy[idx[0]], off[pick, 2]]).astype(np.float32)
            out.append((encode(c)[0], points))
    return out


class GlyphEncoder(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.point = nn.Linear(3, 64)
        self.convs = nn.Sequential(nn.GELU(), nn.Conv1d(64, 128, 5, padding=2), nn.GELU(),
                                   nn.Conv1d(128, 128, 5, padding=2), nn.GELU())
        self.out = nn.Linear(256, d)

    def forward(self, glyphs: torch.Tensor) -> torch.Tensor:
        """[N, P, 3] -> [N, d]"""
        h = self.convs(self.point(glyphs).transpose(1, 2))
        return self.out(torch.cat([h.mean(-1), h.amax(-1)], -1))


class BankedModel(HandwritingModel):
    """The shipped network with a glyph bank added to its characters' encodings. `table`
    ([B or 1, VOCAB, d], zero where the bank has no glyph) is set before encoding."""

    def __init__(self, cfg):
        super().__init__(cfg)
        self.glyphs = GlyphEncoder(cfg.d_model)
        self.bank_in = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        nn.init.zeros_(self.bank_in.weight)
        self.table = None

    def tables(self, owners: torch.Tensor, chars: torch.Tensor, glyphs: torch.Tensor, rows: int) -> torch.Tensor:
        """Each row's mean glyph encoding per character: owners [N] row, chars [N] id, glyphs [N, P, 3]."""
        table = torch.zeros(rows * VOCAB_SIZE, self.cfg.d_model)
        count = torch.zeros(rows * VOCAB_SIZE, 1)
        if len(glyphs):
            slot = owners * VOCAB_SIZE + chars
            table = table.index_add(0, slot, self.glyphs(glyphs))
            count = count.index_add(0, slot, torch.ones(len(slot), 1))
        return (table / count.clamp(min=1)).view(rows, VOCAB_SIZE, -1)

    def encode(self, chars, style):
        content = self.content(chars) + sinusoid(_positions(chars), self.cfg.d_model)
        if self.table is not None:
            table = self.table.expand(chars.shape[0], -1, -1)
            content = content + self.bank_in(torch.gather(table, 1, chars[..., None].expand(-1, -1, table.shape[-1])))
        return {"style": style, "memory": [layer.memory(content) for layer in self.layers], "chars_mask": chars != PAD}


def bank_batch(lines, indices, banks, rng, drop=True):
    """owners, chars, glyphs for the lines `indices`: each line's bank from its form's other lines."""
    owners, chars, glyphs = [], [], []
    for row, i in enumerate(indices):
        line = lines[i]
        if drop and rng.random() < DROP_BANK:
            continue
        mates = banks[line.form]
        for c in set(encode(line.text)):
            found = [g for lid, cc, g in mates if cc == c and lid != line.id]
            if not found or (drop and rng.random() < DROP_CHAR):
                continue
            for k in rng.choice(len(found), size=min(EXAMPLES, len(found)), replace=False):
                owners.append(row)
                chars.append(c)
                glyphs.append(found[k])
    if not glyphs:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long), torch.zeros(0, GLYPH_POINTS, 3)
    return torch.tensor(owners), torch.tensor(chars), torch.from_numpy(np.stack(glyphs))


def form_banks(lines) -> dict[str, list]:
    banks = defaultdict(list)
    for line in lines:
        banks[line.form] += [(line.id, c, g) for c, g in glyphs_of(line.offsets, line.text)]
    return banks


def load_banked(path: str | None) -> BankedModel:
    shipped = load_model(None, "cpu")
    model = BankedModel(shipped.cfg)
    model.load_state_dict(shipped.state_dict(), strict=False)
    if path:
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=False)["model"])
    return model.eval()


def nll(model, collate, lines, banks, indices, with_bank: bool, rng) -> float:
    with torch.no_grad():
        batch = collate(indices, rng, with_style=False)
        model.table = model.tables(*bank_batch(lines, indices, banks, rng, drop=False), len(indices)) if with_bank else None
        terms = losses(model, batch)
        model.table = None
    return float(terms["stroke"] + terms["pen"])


def train(args) -> int:
    torch.set_num_threads(1)
    data = iamondb.load(DataConfig())
    lines, valid = data["train"], data["valid"]
    banks, valid_banks = form_banks(lines), form_banks(valid)
    collate, valid_collate = Collator(lines, 0), Collator(valid, 0)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = load_banked(None).train()
    new = [p for n, p in model.named_parameters() if n.startswith(("glyphs.", "bank_in."))]
    old = [p for n, p in model.named_parameters() if not n.startswith(("glyphs.", "bank_in."))]
    optimizer = torch.optim.AdamW([{"params": new, "lr": args.lr_new}, {"params": old, "lr": args.lr}], weight_decay=0.0)
    step, elapsed = 0, 0.0
    if args.resume and (out / "checkpoint.pt").exists():
        state = torch.load(out / "checkpoint.pt", map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, elapsed = state["step"], state["elapsed_s"]
    rng = np.random.default_rng(step)
    probe = np.random.default_rng(0).choice(len(valid), 48, replace=False).tolist()
    order = []
    print(f"{len(lines)} training lines, {sum(map(len, banks.values()))} glyphs cut; from step {step}", flush=True)
    while elapsed < args.minutes * 60:
        if not order:
            order = batches(lines, args.batch_points, rng)
        indices = order.pop()
        started = time.perf_counter()
        batch = on_device(collate(indices, rng, with_style=False), torch.device("cpu"))
        model.table = model.tables(*bank_batch(lines, indices, banks, rng), len(indices))
        terms = losses(model, batch)
        loss = sum(terms.values())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        model.table = None
        step += 1
        elapsed += time.perf_counter() - started
        if step % args.every == 0:
            model.eval()
            sets = [probe[k:k + 8] for k in range(0, len(probe), 8)]
            plain = np.mean([nll(model, valid_collate, valid, valid_banks, s, False, np.random.default_rng(1)) for s in sets])
            banked = np.mean([nll(model, valid_collate, valid, valid_banks, s, True, np.random.default_rng(1)) for s in sets])
            model.train()
            print(f"step {step} ({elapsed / 60:.0f} min): train {float(loss.detach()):.3f}; valid nll {plain:.4f} plain, "
                  f"{banked:.4f} with the bank ({plain - banked:+.4f})", flush=True)
            atomic_save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                         "elapsed_s": elapsed}, out / "checkpoint.pt")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["train"])
    parser.add_argument("--out", default="runs/glyph")
    parser.add_argument("--minutes", type=float, default=70)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--lr-new", type=float, default=1e-3)
    parser.add_argument("--batch-points", type=int, default=6000)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--resume", action="store_true")
    return train(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
