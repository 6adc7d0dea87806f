"""The hand issue's protocol on validation writers, and its first routes (a probe: its figures
are quoted in docs/experiments.md; run it from the repository root).

Each writer with six lines or more: lines 1-4 are what they give (the samples), line 5's text
is written, and line 6 is what it is compared with: top-1 among 20 writers' sixth lines, by the
style judge trained apart from the model (model/weights/judge.pt); legibility by tesseract,
against the writers' own fifth lines read the same way.

    python docs/probes/hands.py ceiling --writers 40 --seed 0

Routes:
- real: the writers' own fifth lines (the protocol's ceiling);
- own: the model's own hand;
- zero-shot: today's `--style` with a picture of the four sample lines;
- adapted: a hand learnt from the four sample lines' pen strokes (model/write/hands.py: low-rank
  adapters and the style vector; the fourth line held out), writing at the shipped defaults;
- adapted-picture: the same, learnt from a scan-like picture of the four lines, traced
  (model/style/trace.py);
- bank, bank-picture: the glyph-bank network of docs/probes/glyph_bank.py (`--bank` its
  checkpoint), given the glyphs cut from the four sample lines' strokes, or from the lines traced
  from their picture, writing at the shipped defaults in the model's own style vector;
  bank-none: the same network given no glyphs (what its fine-tuning alone does);
- ceiling: the writer's own characters, cut from the samples where the shipped model reads
  them while following their strokes, set side by side for the new text (what copying glyphs
  alone gives, as a font service does; characters the samples lack are left out).
"""
import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from glyph_bank import GLYPH_POINTS, glyphs_of, load_banked
from inkscribe.model.config import DataConfig, JudgeConfig, LearnConfig
from inkscribe.model.critics.cer import cer
from inkscribe.model.critics.judge import load_judge, retrieval
from inkscribe.model.critics.reader import load_reader
from inkscribe.model.config import ReaderConfig
from inkscribe.model.data import iamondb
from inkscribe.model.data.segments import WORD_SPACE
from inkscribe.model.evaluation.sheet import sample_sheet
from inkscribe.model.evaluation.measures import readings, real_picture, written_offsets, written_picture
from inkscribe.model.net.checkpoint import load_model
from inkscribe.model.net.network import with_position
from inkscribe.model.net.sampling import SampleConfig, pad_chars
from inkscribe.model.page.charset import PAD, normalise
from inkscribe.model.style.references import picture, scanned
from inkscribe.model.style.trace import traced
from inkscribe.model.write.hands import learn, prepared
from inkscribe.model.write.writer import Hand, Task, Writer

GROUP = 20


def writers(valid: list, count: int) -> list[list]:
    """The first `count` validation forms with six lines or more, each's lines in order."""
    forms = defaultdict(list)
    for line in valid:
        forms[line.form].append(line)
    chosen = [sorted(ls, key=lambda l: l.id) for _, ls in sorted(forms.items()) if len(ls) >= 6]
    return chosen[:count]


@torch.no_grad()
def readings_along(model, lines: list) -> list[np.ndarray]:
    """Each point's character, as the shipped model reads it while following the real strokes:
    its reading position moves on by the advance it predicts, as when it writes."""
    texts = [normalise(l.text) for l in lines]
    chars = pad_chars(texts, "cpu")
    context = model.encode(chars, model.style(None, len(lines)))
    n_chars = (chars != PAD).sum(1) - 1
    steps = max(len(l.offsets) for l in lines)
    heads, d = model.cfg.heads, model.cfg.d_model
    cache = [{"capacity": steps + 1, "n": 0, "k": torch.empty(len(lines), heads, steps + 1, d // heads),
              "v": torch.empty(len(lines), heads, steps + 1, d // heads)} for _ in model.layers]
    offsets = torch.zeros(len(lines), steps, 3)
    for k, l in enumerate(lines):
        offsets[k, :len(l.offsets)] = torch.from_numpy(l.offsets)
    reading, pen = torch.zeros(len(lines)), torch.zeros(len(lines), 2)
    previous = torch.zeros(len(lines), 3)
    at = torch.zeros(len(lines), steps)
    for t in range(steps):
        x = with_position(previous[:, None], pen[:, None])
        _, _, advance, _ = model.decode(x, reading[:, None].clone(), context, None, cache)
        at[:, t] = reading
        reading = torch.minimum(reading + advance[:, -1].clamp(0, 1), (n_chars - 1).float())
        previous = offsets[:, t]
        pen = pen + previous[:, :2]
    return [at[k, :len(l.offsets)].round().long().numpy() for k, l in enumerate(lines)]


def glyph_bank(model, samples: list) -> dict[str, list[np.ndarray]]:
    """Each character of the samples: its absolute points [n, 3] (x, y, pen lifts after), as
    written on its line, with the point it was joined from first (pen 1 where it was lifted)."""
    bank = defaultdict(list)
    for line, read in zip(samples, readings_along(model, samples)):
        text = normalise(line.text)
        xy = np.cumsum(line.offsets[:, :2], 0)
        pen = line.offsets[:, 2]
        for i, c in enumerate(text):
            idx = np.nonzero(read == i)[0]
            if c == " " or len(idx) < 2:
                continue
            a, b = idx[0], idx[-1] + 1
            before = np.concatenate([xy[a - 1], [pen[a - 1]]]) if a > 0 else np.array([xy[a, 0], xy[a, 1], 1.0])
            bank[c].append(np.vstack([before, np.column_stack([xy[a:b], pen[a:b]])]).astype(np.float32))
    return bank


def composed(text: str, bank: dict, gap: float, rng: np.random.Generator) -> np.ndarray:
    """The text set from the bank's characters (offsets), a word's characters joined as they were."""
    points, x = [], 0.0
    for word in text.split():
        placed = []
        for c in word:
            options = bank.get(c) or bank.get(c.swapcase())
            if not options:
                continue
            g = options[rng.integers(len(options))]
            start = g[0, 0] if placed else g[1, 0] - 0.5   # a letter joins as it did; a word starts at the cursor
            shifted = g[1:].copy()
            shifted[:, 0] += x - start
            if points and (not placed or g[0, 2] > 0):
                points[-1][-1, 2] = 1.0   # the pen lifts between words, and where the writer lifted it
            points.append(shifted)
            placed.append(shifted)
            x = float(shifted[-1, 0])
        if placed:
            x = max(float(p[:, 0].max()) for p in placed) + gap
    if not points:
        return np.zeros((1, 3), np.float32)
    absolute = np.concatenate(points)
    absolute[-1, 2] = 1.0
    offsets = np.diff(absolute[:, :2], axis=0, prepend=absolute[:1, :2] * 0)
    return np.column_stack([offsets, absolute[:, 2]]).astype(np.float32)


def page(lines: list[np.ndarray], rng: np.random.Generator):
    """A scan-like picture of lines written one under another."""
    from PIL import Image

    rows = [scanned(o, rng).convert("L") for o in lines]
    out = Image.new("L", (max(r.width for r in rows), sum(r.height for r in rows)), 255)
    for k, row in enumerate(rows):
        out.paste(row, (0, sum(r.height for r in rows[:k])))
    return out


def samples(route: str, w: list, rng: np.random.Generator, k: int) -> list | None:
    """The four sample lines (offsets, text) as a route is given them: strokes, or traced from a
    picture (None where the picture traces to another number of lines: a user is told the lines
    and the text do not match, and the writer counts as a failure)."""
    if route == "bank-none":
        return []
    if not route.endswith("picture"):
        return [(l.offsets, l.text) for l in w[:4]]
    found = traced(page([l.offsets for l in w[:4]], rng), 4)
    if len(found) != 4:
        print(f"  writer {k}: the picture traced to {len(found)} lines, not 4: written in the model's own hand")
        return None
    return [(prepared(strokes), l.text) for strokes, l in zip(found, w[:4])]


def judged(judge, written: list[np.ndarray], bank: list[np.ndarray]) -> float:
    groups = [slice(a, a + GROUP) for a in range(0, len(written) - GROUP + 1, GROUP)] or [slice(None)]
    return float(np.mean([retrieval(judge, written[g], bank[g]) for g in groups]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("routes", nargs="+", choices=["real", "own", "zero-shot", "adapted", "adapted-picture",
                                                       "bank", "bank-picture", "bank-none", "ceiling"])
    parser.add_argument("--bank", help="bank: the glyph-bank checkpoint")
    parser.add_argument("--sheet", metavar="PNG", help="also draw, for the first writer, their sample lines, their "
                                                       "real fifth line, and it written by each route asked for")
    parser.add_argument("--writers", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--read", action="store_true", help="also read every line with tesseract")
    parser.add_argument("--steps", type=int, default=LearnConfig.steps, help="adapted: learning steps")
    parser.add_argument("--lr", type=float, default=LearnConfig.lr, help="adapted: learning rate")
    parser.add_argument("--rank", type=int, default=LearnConfig.rank, help="adapted: the adapters' rank")
    args = parser.parse_args()
    torch.set_num_threads(1)
    valid = iamondb.load(DataConfig())["valid"]
    chosen = writers(valid, args.writers)
    targets = [w[4] for w in chosen]
    bank = [w[5].offsets for w in chosen]
    judge = load_judge(Path(JudgeConfig.path))
    model = load_model(None, "cpu")
    writer = Writer(model, reader=load_reader(Path(ReaderConfig.path)))
    sample = SampleConfig(seed=args.seed)
    rng = np.random.default_rng(args.seed)
    real_read = readings([real_picture(t.offsets) for t in targets])["tesseract"] if args.read else None
    print(f"{len(chosen)} writers; seed {args.seed}")
    rows = [(f"sample line {k + 1} (given): {l.text}", l.offsets) for k, l in enumerate(chosen[0][:4])]
    rows.append((f"real fifth line: {targets[0].text}", targets[0].offsets))
    for route in args.routes:
        started = time.perf_counter()
        if route == "real":
            written = [t.offsets for t in targets]
            pictures = [real_picture(o) for o in written]
        elif route == "ceiling":
            written = []
            for w, t in zip(chosen, targets):
                glyphs = glyph_bank(model, w[:4])
                written.append(composed(normalise(t.text), glyphs, WORD_SPACE, rng))
            pictures = [real_picture(o) for o in written]
        elif route.startswith("bank"):
            banked = load_banked(args.bank)
            bank_writer = Writer(banked, reader=writer.reader)
            lines = []
            for k, (w, t) in enumerate(zip(chosen, targets)):
                given = samples(route, w, rng, k) or []
                cut = [g for offsets, text in given for g in glyphs_of(offsets, text)]
                owners = torch.zeros(len(cut), dtype=torch.long)
                chars = torch.tensor([c for c, _ in cut], dtype=torch.long)
                glyphs = torch.from_numpy(np.stack([g for _, g in cut])) if cut else torch.zeros(0, GLYPH_POINTS, 3)
                with torch.no_grad():
                    banked.table = banked.tables(owners, chars, glyphs, 1)
                (line,), = bank_writer.write([Task([t.text], None, sample)])
                lines.append(line)
            banked.table = None
            written = [written_offsets(l) for l in lines]
            pictures = [written_picture(l) for l in lines]
        elif route.startswith("adapted"):
            cfg = LearnConfig(steps=args.steps, lr=args.lr, rank=args.rank)
            hands, took, gained = [], [], []
            for k, w in enumerate(chosen):
                given = samples(route, w, rng, k)
                if given is None:
                    hands.append(None)
                    continue
                learnt = learn(model, given, cfg, seed=args.seed)
                hands.append(Hand(learnt.style, learnt.word_gap, learnt.adapters, f"writer-{k}"))
                took.append(learnt.seconds)
                gained.append(learnt.nll_before - learnt.nll_after)
            lines = [l for (l,) in writer.write([Task([t.text], h, sample) for t, h in zip(targets, hands)])]
            written = [written_offsets(l) for l in lines]
            pictures = [written_picture(l) for l in lines]
            print(f"  learnt in {np.median(took):.1f} s (median), held-out line {np.mean(gained):+.3f} nats a point "
                  f"more likely", flush=True)
        else:
            hands = [None] * len(chosen) if route == "own" else [
                writer.hand([picture([l.offsets for l in w[:4]], "clean", rng)]) for w in chosen]
            lines = [l for (l,) in writer.write([Task([t.text], h, sample) for t, h in zip(targets, hands)])]
            written = [written_offsets(l) for l in lines]
            pictures = [written_picture(l) for l in lines]
        if route != "real":
            rows.append((f"{route}: {targets[0].text}", written[0]))
        top1 = judged(judge, written, bank)
        said = f"{route}: top-1 among {GROUP} {top1:.3f}"
        if args.read and real_read:
            read = readings(pictures)["tesseract"]
            ours = np.mean([cer(t.text, r) for t, r in zip(targets, read)])
            human = np.mean([cer(t.text, r) for t, r in zip(targets, real_read)])
            said += f"; tesseract CER {ours:.3f} ({ours / human:.2f}x the writers' own {human:.3f})"
        print(f"{said}  [{time.perf_counter() - started:.0f} s]", flush=True)
    if args.sheet:
        sample_sheet(rows, args.sheet, f"validation writer {chosen[0][0].form} (IAM-OnDB, non-commercial licence); "
                                       f"seed {args.seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
