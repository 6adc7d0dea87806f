"""Measured quality: held-out likelihood, legibility by tesseract beside real writers,
completeness, likeness to a reference writer, and speed. Writes a markdown report and a
PNG sample sheet.
"""
import shutil
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from . import iamondb
from .batches import Collator
from .checkpoint import pick_device
from .config import EvalConfig, TrainConfig
from .network import IMAGE_SIZE, HandwritingModel
from .references import render, tiles_from_image
from .sampling import SampleConfig, generate
from .sheet import sample_sheet
from .strokes import LINE_HEIGHT, to_strokes
from .train import validate

OCR_PX_PER_UNIT = 4.0   # the central ink of a line 40 px tall: lines come out about 80 px high
WORD_GAP = 2.5          # units of empty x between strokes that separates two words


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance over the reference's length."""
    previous = list(range(len(hypothesis) + 1))
    for i, a in enumerate(reference, 1):
        current = [i]
        for j, b in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1] / max(1, len(reference))


def ocr(offsets: np.ndarray, folder: Path) -> str | None:
    """What tesseract reads in the line rendered at 80 px height; None without tesseract."""
    if shutil.which("tesseract") is None:
        return None
    path = folder / "line.png"
    render(offsets, OCR_PX_PER_UNIT, width=2.5, margin=20).save(path)
    done = subprocess.run(["tesseract", str(path), "stdout", "--psm", "7", "-l", "eng"],
                          capture_output=True, text=True, timeout=60)
    return " ".join(done.stdout.split())


def slant(offsets: np.ndarray) -> float:
    """Degrees from vertical of the near-vertical pen-down segments (positive: leaning right)."""
    angles, weights = [], []
    for s in to_strokes(offsets):
        d = np.diff(s, axis=0)
        steep = np.abs(d[:, 1]) > np.abs(d[:, 0])
        angles += list(-np.degrees(np.arctan(d[steep, 0] / d[steep, 1])))  # y grows downwards
        weights += list(np.hypot(d[steep, 0], d[steep, 1]))
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cumulative = np.cumsum(np.array(weights)[order])
    return float(np.array(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def width_per_char(offsets: np.ndarray, text: str) -> float:
    x = np.cumsum(offsets[:, 0])
    return float(x.max() - x.min()) / max(1, len(text))


def words_found(offsets: np.ndarray) -> int:
    """Words as runs of strokes separated by empty x gaps wider than WORD_GAP."""
    spans = sorted((s[:, 0].min(), s[:, 0].max()) for s in to_strokes(offsets))
    words, right = 1, spans[0][1]
    for left, end in spans[1:]:
        if left - right > WORD_GAP:
            words += 1
        right = max(right, end)
    return words


def _tiles(lines: list[np.ndarray], device, n: int = 8) -> torch.Tensor:
    """Style tiles [B, n, 1, 64, 64] from clean renderings of each line."""
    out = []
    for offsets in lines:
        tiles = tiles_from_image(render(offsets, 2.8), n)
        if len(tiles) == 0:  # a scribble with no line of writing in it: blank tiles
            tiles = np.zeros((1, IMAGE_SIZE, IMAGE_SIZE), np.float32)
        out.append(tiles[np.arange(n) % len(tiles)])
    return torch.from_numpy(np.stack(out))[:, :, None].to(device)


def _writer_embedding(model: HandwritingModel, lines: list[np.ndarray], device) -> torch.Tensor:
    writer, _ = model.style.heads(_tiles(lines, device))
    return torch.nn.functional.normalize(writer, dim=1)


def _pearson(a, b) -> float:
    return float(np.corrcoef(a, b)[0, 1]) if np.std(a) > 0 and np.std(b) > 0 else 0.0


@torch.no_grad()
def evaluate(model: HandwritingModel, cfg: EvalConfig, data: dict | None = None, name: str = "model") -> dict:
    device = next(model.parameters()).device
    model.eval()
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = data or iamondb.load(cfg.data)
    valid = Collator(data["valid"], references=4)
    rng = np.random.default_rng(cfg.seed)
    sample = SampleConfig(temperature=cfg.temperature, bias=cfg.bias, seed=cfg.seed)
    figures = {"name": name}

    # Likelihood of real held-out lines, with style from another line of their writer.
    figures.update(validate(model, valid, replace(TrainConfig(), valid_batches=cfg.nll_batches), device))
    model.eval()

    # Legibility and completeness: one line from each of `lines` writers, in that writer's style.
    by_form = {}
    for i, line in enumerate(valid.lines):
        if len(line.text.split()) >= 2 and len(line.text) <= 60:
            by_form.setdefault(line.form, []).append(i)
    forms = sorted(by_form)
    rng.shuffle(forms)
    picks = [by_form[f][0] for f in forms[: cfg.lines]]
    texts = [valid.lines[i].text for i in picks]
    styles = model.style(torch.from_numpy(np.stack([valid.style_tiles(i, rng) for i in picks]))[:, :, None]
                         .to(device), len(picks))
    written = generate(model, texts, styles, sample)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, text, fake in zip(picks, texts, written):
            real = valid.lines[i].offsets
            ocr_real, ocr_fake = ocr(real, Path(tmp)), ocr(fake, Path(tmp))
            guard = len(fake) >= len(text) * sample.max_points_per_char + 20
            ratio = width_per_char(fake, text) / width_per_char(real, text)
            rows.append({
                "text": text, "ocr_real": ocr_real, "ocr_model": ocr_fake,
                "cer_real": None if ocr_real is None else cer(text, ocr_real),
                "cer_model": None if ocr_fake is None else cer(text, ocr_fake),
                "width_ratio": ratio, "guard": guard,
                "words": len(text.split()), "words_real": words_found(real), "words_model": words_found(fake),
            })
    complete = [not r["guard"] and 0.75 <= r["width_ratio"] <= 1.33 and abs(r["words_model"] - r["words"]) <= 1
                for r in rows]
    figures.update({
        "lines": len(rows),
        "cer_real": np.mean([r["cer_real"] for r in rows]) if rows[0]["cer_real"] is not None else None,
        "cer_model": np.mean([r["cer_model"] for r in rows]) if rows[0]["cer_model"] is not None else None,
        "complete": int(sum(complete)),
        "ran_to_guard": int(sum(r["guard"] for r in rows)),
        "too_short": int(sum(r["width_ratio"] < 0.75 for r in rows)),
        "too_long": int(sum(r["width_ratio"] > 1.33 for r in rows)),
        "words_off_real": int(sum(abs(r["words_real"] - r["words"]) > 1 for r in rows)),
        "words_off_model": int(sum(abs(r["words_model"] - r["words"]) > 1 for r in rows)),
    })

    # Style: does writing in writer w's style land nearer w than the other writers?
    pairs = [(f, by_form[f]) for f in forms if len(by_form[f]) >= 2][: cfg.writers]
    refs = [idx[0] for _, idx in pairs]
    targets = [idx[1] for _, idx in pairs]
    target_texts = [valid.lines[i].text for i in targets]
    ref_lines = [valid.lines[i].offsets for i in refs]
    ref_styles = model.style(_tiles(ref_lines, device), len(refs))
    styled = generate(model, target_texts, ref_styles, sample)
    plain = generate(model, target_texts, None, sample)
    bank = _writer_embedding(model, ref_lines, device)

    def retrieval(lines):
        nearest = (_writer_embedding(model, lines, device) @ bank.T).argmax(1)
        return float((nearest == torch.arange(len(lines), device=device)).float().mean())

    real_slant = [slant(o) for o in ref_lines]
    real_width = [width_per_char(valid.lines[i].offsets, valid.lines[i].text) for i in refs]
    figures.update({
        "writers": len(refs),
        "retrieval_real": retrieval([valid.lines[i].offsets for i in targets]),
        "retrieval_styled": retrieval(styled),
        "retrieval_plain": retrieval(plain),
        "slant_r_styled": _pearson(real_slant, [slant(o) for o in styled]),
        "slant_r_plain": _pearson(real_slant, [slant(o) for o in plain]),
        "width_r_styled": _pearson(real_width, [width_per_char(o, t) for o, t in zip(styled, target_texts)]),
        "width_r_plain": _pearson(real_width, [width_per_char(o, t) for o, t in zip(plain, target_texts)]),
    })

    # Speed: one 40-character line, alone.
    started = time.perf_counter()
    generate(model, ["The quick brown fox jumps over a lazy do"], None, sample)
    figures["seconds_per_line"] = time.perf_counter() - started

    if cfg.hands_dir:
        write_hands(model, ref_styles[:HANDS], Path(cfg.hands_dir), sample)

    sheet = out / "samples.png"
    sheet_rows = []
    for i, text, fake in list(zip(picks, texts, written))[:5]:
        sheet_rows += [(f"real: {text}", valid.lines[i].offsets), (f"{name}, that writer's style", fake)]
    for k in range(min(3, len(refs))):
        sheet_rows += [(f"style reference (writer {pairs[k][0]})", valid.lines[refs[k]].offsets),
                       (f"{name} in that style: {target_texts[k]}", styled[k]),
                       (f"{name} without style: {target_texts[k]}", plain[k])]
    sample_sheet(sheet_rows, sheet, f"{name}: validation writers (IAM-OnDB testset_v)")
    (out / "report.md").write_text(report(figures, rows, sheet.name))
    return figures


HANDS = 4
HAND_TEXT = ["The quick brown fox jumps over", "the lazy dog, 1234567890?"]


def write_hands(model: HandwritingModel, styles: torch.Tensor, folder: Path, sample: SampleConfig) -> None:
    """The extension's built-in hands: pictures of the model writing in validation writers' styles.

    Model output, not IAM-OnDB data, so they may ship (under the weights' licence).
    """
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for k, style in enumerate(styles, 1):
        lines = generate(model, HAND_TEXT, style[None].expand(len(HAND_TEXT), -1), sample)
        pictures = [render(o, 3.0, width=2.5, margin=12) for o in lines]
        sheet = Image.new("L", (max(p.width for p in pictures), sum(p.height for p in pictures)), 255)
        top = 0
        for p in pictures:
            sheet.paste(p, (0, top))
            top += p.height
        sheet.save(folder / f"hand-{k}.png", optimize=True)


def _f(value, digits=3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def report(f: dict, rows: list[dict], sheet: str) -> str:
    ratio = (f["cer_model"] / f["cer_real"]) if f["cer_model"] is not None and f["cer_real"] else None
    lines = [
        f"# Evaluation: {f['name']}", "",
        "All on IAM-OnDB `testset_v` (writers never seen in training).", "",
        "| measure | value |", "| --- | --- |",
        f"| validation NLL, nats per point (strokes + pen) | {_f(f['valid_stroke'] + f['valid_pen'])} |",
        f"| validation NLL, nats per line | {_f(f['valid_line_nll'], 1)} |",
        f"| tesseract CER, real people's lines | {_f(f['cer_real'])} |",
        f"| tesseract CER, model's lines (same texts, writer's style) | {_f(f['cer_model'])} |",
        f"| model CER / human CER (goal ≤ 0.6) | {_f(ratio, 2)} |",
        f"| complete lines (no guard, width within 0.75–1.33× the writer's, words ±1) | "
        f"{f['complete']} / {f['lines']} |",
        f"| ran on to the length guard | {f['ran_to_guard']} |",
        f"| narrower than 0.75× the real line (stopped early or skipped) | {f['too_short']} |",
        f"| wider than 1.33× the real line (repeated or ran on) | {f['too_long']} |",
        f"| word count off by more than one: real lines / model | {f['words_off_real']} / {f['words_off_model']} |",
        f"| style retrieval top-1 over {f['writers']} writers: real other line / styled / no style "
        f"(chance {1 / max(1, f['writers']):.2f}) | {_f(f['retrieval_real'], 2)} / {_f(f['retrieval_styled'], 2)} / "
        f"{_f(f['retrieval_plain'], 2)} |",
        f"| slant correlation with the reference writer: styled / no style | "
        f"{_f(f['slant_r_styled'], 2)} / {_f(f['slant_r_plain'], 2)} |",
        f"| letter width correlation with the reference writer: styled / no style | "
        f"{_f(f['width_r_styled'], 2)} / {_f(f['width_r_plain'], 2)} |",
        f"| seconds per 40-character line (batch 1, this machine) | {_f(f['seconds_per_line'], 2)} |",
        "", f"![samples]({sheet})", "",
        "## Lines read back", "",
        "| text | tesseract on the real line | tesseract on the model's | width ratio |",
        "| --- | --- | --- | --- |",
    ]
    for r in rows:
        clean = lambda s: (s or "").replace("|", "\\|")
        lines.append(f"| {clean(r['text'])} | {clean(r['ocr_real'])} | {clean(r['ocr_model'])} | "
                     f"{r['width_ratio']:.2f} |")
    return "\n".join(lines) + "\n"
