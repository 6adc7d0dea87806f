"""Measured quality: held-out likelihood, legibility by two judges beside real writers,
completeness, likeness to a reference writer, and speed. Writes a markdown report and a
PNG sample sheet.

What is read is what a user gets: each written line's path data, at the shipped defaults,
drawn as a picture with the default pen (real lines are drawn from their pen points with
the same pen).
"""
import shutil
import subprocess
import time
import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from ..data import iamondb
from .accent_texts import FRENCH, GERMAN
from .figure_texts import CAPITALS, DIGITS
from ..write.accents import drawn_strokes
from ..samples.batches import Collator
from .benchmark import LINE as SPEED_LINE
from ..config import EvalConfig, TrainConfig
from ..net.network import HandwritingModel
from ..critics.judge import JUDGE_PX_PER_UNIT, load_judge, retrieval as judged_retrieval
from ..critics.cer import cer
from ..critics.judges import htr_cer, tesseract
from ..page.charset import normalise, split_marks
from ..critics.reader import load_reader
from ..style.references import PICTURES, picture, render, scanned
from ..net.sampling import SampleConfig
from ..data.segments import words_of
from .sheet import sample_sheet
from ..data.strokes import to_strokes
from .likelihood import validate
from .measures import (PARAGRAPH_LINES, _mean, _pearson, _pearson_known, gap_per_height, ink_height, joined, readings,
                       real_picture, size_ratio, slant, width_per_char, words_found, written_offsets, written_picture,
                       x_height)
from .report import report
from ..write.writer import Hand, NoHandwritingFound, Task, Writer



def _retrieval(queries: torch.Tensor, bank: torch.Tensor) -> float:
    """Share of queries whose nearest bank entry (cosine) is their own writer's (same row)."""
    queries, bank = queries.flatten(1), bank.flatten(1)   # styles with tokens: all of them at once
    similar = torch.nn.functional.normalize(queries, dim=1) @ torch.nn.functional.normalize(bank, dim=1).T
    return float((similar.argmax(1) == torch.arange(len(queries), device=queries.device)).float().mean())


def _clean(offsets: np.ndarray):
    """A clean picture of a line, at the scale the style judge reads lines at."""
    return render(offsets, JUDGE_PX_PER_UNIT)


WHOLE = (0.5, 2.0)     # width per letter against the real line: beyond it, words were skipped or repeated
NEAR = (0.75, 1.33)    # ... and within it, the writer's own width (a person passes it 77 % of the time)


def _legibility(writer: Writer, valid: list, picks: list[int], hands: list[Hand], sample: SampleConfig,
                real: dict) -> tuple[dict, list[dict], list]:
    """Each picked line's text written in its writer's hand, read back beside the real line
    (whose readings, the same every time, are kept in `real`)."""
    written = writer.write([Task([valid[i].text], hand, sample) for i, hand in zip(picks, hands)])
    if not real:
        real.update(readings([real_picture(valid[i].offsets) for i in picks]))
    fake = readings([written_picture(line) for (line,) in written])
    rows = []
    for k, (i, (line,)) in enumerate(zip(picks, written)):
        real_offsets, offsets, text = valid[i].offsets, line.offsets, valid[i].text
        read = lambda judge, which: None if which[judge] is None else which[judge][k]
        score = lambda judge, which, f: None if which[judge] is None else f(text, which[judge][k])
        gap_real, gap_fake = gap_per_height(real_offsets, text), gap_per_height(offsets, text)
        rows.append({
            "text": text, "ocr_real": read("tesseract", real), "ocr_model": read("tesseract", fake),
            "cer_real": score("tesseract", real, cer), "cer_model": score("tesseract", fake, cer),
            "htr_real": score("htr", real, htr_cer), "htr_model": score("htr", fake, htr_cer),
            "width_ratio": width_per_char(offsets, text) / width_per_char(real_offsets, text), "ended": line.ended,
            "height_ratio": ink_height(offsets) / ink_height(real_offsets),
            "gap_ratio": None if gap_real is None or gap_fake is None else gap_fake / gap_real,
            "words": len(text.split()), "words_real": words_found(real_offsets), "words_model": words_found(offsets),
        })
    # Complete: every word ended by itself (sampling ends a word only once its reading position
    # is at the last letter), and nothing skipped or repeated wholesale. The tighter width test
    # (0.75-1.33x) is reported on its own: it measures how a writer's width varies from line to
    # line, which the model cannot know, and two real lines of one writer fail it 23 % of the time.
    complete = [r["ended"] and WHOLE[0] <= r["width_ratio"] <= WHOLE[1] for r in rows]
    gap_ratios = [r["gap_ratio"] for r in rows if r["gap_ratio"] is not None]
    figures = {
        "cer_real": _mean(r["cer_real"] for r in rows),
        "cer_model": _mean(r["cer_model"] for r in rows),
        "htr_real": _mean(r["htr_real"] for r in rows),
        "htr_model": _mean(r["htr_model"] for r in rows),
        "complete": int(sum(complete)),
        "width_within": int(sum(NEAR[0] <= r["width_ratio"] <= NEAR[1] for r in rows)),
        "ran_to_guard": int(sum(not r["ended"] for r in rows)),
        "too_short": int(sum(r["width_ratio"] < NEAR[0] for r in rows)),
        "too_long": int(sum(r["width_ratio"] > NEAR[1] for r in rows)),
        "words_off_real": int(sum(abs(r["words_real"] - r["words"]) > 1 for r in rows)),
        "words_off_model": int(sum(abs(r["words_model"] - r["words"]) > 1 for r in rows)),
        "height_ratio": float(np.median([r["height_ratio"] for r in rows])),
        "gap_ratio": float(np.median(gap_ratios)) if gap_ratios else None,
        "gap_within": float(np.mean([abs(g - 1) <= 0.25 for g in gap_ratios])) if gap_ratios else None,
        "gap_lines": len(gap_ratios),
    }
    return figures, rows, [line for (line,) in written]


LONG_LINE = 300   # characters: the longest line a request may hold


def _averaged(per_seed: list[dict]) -> dict:
    """Each figure's mean over the seeds, and its range as `key_range` (None where a judge
    was missing)."""
    out = {}
    for key in per_seed[0]:
        values = [f[key] for f in per_seed]
        out[key] = None if None in values else float(np.mean(values))
        out[key + "_range"] = None if None in values else (float(min(values)), float(max(values)))
    return out


def _retrieval_in_groups(judge, offsets: list[np.ndarray], bank: list[np.ndarray], group: int) -> float:
    """Top-1 of each line among its group of `group` writers' bank lines, averaged over the
    groups: one group of 20 swings by a writer or two, 0.05 to 0.1, from run to run."""
    groups = [slice(a, a + group) for a in range(0, len(offsets) - group + 1, group)] or [slice(None)]
    return float(np.mean([judged_retrieval(judge, offsets[g], bank[g]) for g in groups]))


LIKENESS_MEASURES = {
    "slant": lambda offsets, text: slant(offsets), "width": width_per_char,
    "size": lambda offsets, text: size_ratio(offsets), "joined": joined, "gap": gap_per_height,
}


def _likeness(writer: Writer, texts: list[str], hands: dict[str, list[Hand]], sample: SampleConfig,
              judge, bank: list[np.ndarray], real: dict[str, list], group: int) -> tuple[dict, list, list]:
    """Each text written in the hand read from its writer's reference (each of `hands`' kinds)
    and with none, judged against that writer's bank line by `judge`, an encoder trained apart
    from the model on real lines only; and each of LIKENESS_MEASURES of the picture-styled and
    plain lines against `real`, the references' own. Also the styled and plain lines written,
    for the sample sheet."""
    styled_lines = [l for (l,) in writer.write([Task([t], h, sample) for t, h in zip(texts, hands["styled"])])]
    plain_lines = [l for (l,) in writer.write([Task([t], None, sample) for t in texts])]
    drawn = [written_offsets(l) for (l,) in writer.write([Task([t], h, sample)
                                                          for t, h in zip(texts, hands["drawn"])])]
    styled, plain = [written_offsets(l) for l in styled_lines], [written_offsets(l) for l in plain_lines]
    figures = {f"retrieval_{kind}": _retrieval_in_groups(judge, written, bank, group)
               for kind, written in (("styled", styled), ("plain", plain), ("drawn", drawn))}
    for kind, written in (("styled", styled), ("plain", plain)):
        for name, measure in LIKENESS_MEASURES.items():
            pearson = _pearson_known if name == "gap" else _pearson
            figures[f"{name}_r_{kind}"] = pearson(real[name], [measure(o, t) for o, t in zip(written, texts)])
    return figures, styled_lines, plain_lines


def _accents(writer: Writer, seeds: tuple[int, ...], cfg: EvalConfig, english: list[str]) -> dict | None:
    """Sentences with accented letters in the model's own hand, read by tesseract's French
    and German models: written with their marks, and written plain (é as e), both read
    against the accented text; beside them, English validation lines of the same lengths
    read by tesseract's English model; and the share of marks drawn over their own letter.
    None without those tesseract models."""
    have = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split() \
        if shutil.which("tesseract") else []
    if not {"fra", "deu"} <= set(have):
        return None
    plain = lambda t: "".join(c for c in unicodedata.normalize("NFD", t) if not unicodedata.combining(c))
    found = {"marked": [], "plain": [], "english": [], "placed": []}
    for seed in seeds:
        sample = SampleConfig(temperature=cfg.temperature, bias=cfg.bias, seed=seed, versions=cfg.versions)
        for language, texts in (("fra", FRENCH), ("deu", GERMAN)):
            for kind, written in (("marked", texts), ("plain", [plain(t) for t in texts])):
                lines = writer.write([Task(written, None, sample)])[0]
                read = tesseract([written_picture(l) for l in lines], language)
                found[kind] += [cer(t, r) for t, r in zip(texts, read)]
                found["placed"] += [p for line in lines for p in _marks_placed(line)] if kind == "marked" else []
            alike = [min(english, key=lambda e: abs(len(e) - len(t))) for t in texts]
            read = tesseract([written_picture(l) for l in writer.write([Task(alike, None, sample)])[0]])
            found["english"] += [cer(e, r) for e, r in zip(alike, read)]
    return {"accent_lines": len(found["marked"]), "cer_marked": float(np.mean(found["marked"])),
            "cer_unmarked": float(np.mean(found["plain"])), "cer_english": float(np.mean(found["english"])),
            "marks": len(found["placed"]), "marks_placed": float(np.mean(found["placed"]))}


def _figures(writer: Writer, cfg: EvalConfig, english: list[str], sheet) -> dict:
    """Lines of digits and of capitals in the model's own hand, read by both judges beside
    English validation lines of the same lengths (same hand, same seeds); a sample sheet of
    them at `sheet`."""
    found = {kind: {"tesseract": [], "htr": []} for kind in ("digits", "capitals", "english")}
    shown = []
    digits, capitals = DIGITS[:cfg.lines], CAPITALS[:cfg.lines]   # all of them, unless eval reads fewer lines
    for seed in cfg.seeds:
        sample = SampleConfig(temperature=cfg.temperature, bias=cfg.bias, seed=seed, versions=cfg.versions)
        for kind, texts in (("digits", digits), ("capitals", capitals),
                            ("english", [min(english, key=lambda e: abs(len(e) - len(t))) for t in digits + capitals])):
            lines = writer.write([Task(texts, None, sample)])[0]
            read = readings([written_picture(l) for l in lines])
            for judge, score in (("tesseract", cer), ("htr", htr_cer)):
                if read[judge] is not None:
                    found[kind][judge] += [score(t, r) for t, r in zip(texts, read[judge])]
            if seed == cfg.seeds[0] and kind != "english":
                shown += [(f"{l.text}  (read: {read['tesseract'][k] if read['tesseract'] else '-'} / "
                           f"{read['htr'][k] if read['htr'] else '-'})", l.paths) for k, l in enumerate(lines[:8])]
    sample_sheet(shown, sheet, "digits and capitals, own hand (read by tesseract / the recogniser)")
    return {"figure_lines": len(digits),
            **{f"{kind}_{judge}": _mean(values) for kind, judges in found.items() for judge, values in judges.items()}}


def _marks_placed(line) -> list[bool]:
    """For each mark the writer drew in a line: is it over (under, across) its own letter,
    within one letter of where that letter sits in its word's ink?"""
    placed = []
    for word, first, last in line.words:
        if len(words_of(word)[0]) > 1:   # written in pieces, each with its marks after it: not judged
            continue
        letters, marks = split_marks(normalise(word))
        counts = [drawn_strokes(name) for _, name in marks]
        ink = line.strokes[first:last - sum(counts)]
        if not ink:
            continue
        left = min(s[:, 0].min() for s in ink)
        width = max(max(s[:, 0].max() for s in ink) - left, 1e-6)
        at = last - sum(counts)
        for (letter, _), n in zip(marks, counts):
            if n:
                middle = np.mean([s[:, 0].mean() for s in line.strokes[at:at + n]])
                placed.append(abs((middle - left) / width * len(letters) - 0.5 - letter) <= 1)
                at += n
    return placed


def _size_spread(lines: list[np.ndarray]) -> float:
    """Relative spread (std / mean) of the small letters' size across a paragraph's lines."""
    sizes = np.array([x_height(o) for o in lines])
    return float(sizes.std() / max(sizes.mean(), 1e-6))


def legibility_lines(lines: list, count: int) -> tuple[dict[str, list[int]], list[str], list[int], list[int]]:
    """Lines of two words or more that fit a line of writing, by writer (form), the writers
    in a fixed shuffled order; the first such line of each of the first `count` writers
    (what legibility reads); and for each, another line of that writer (its style, from a
    picture made like a scan or photo)."""
    by_form = {f: kept for f, idx in iamondb.by_form(lines).items()
               if (kept := [i for i in idx if len(lines[i].text.split()) >= 2 and len(lines[i].text) <= 60])}
    forms = sorted(by_form)
    np.random.default_rng(0).shuffle(forms)
    picks = [by_form[f][0] for f in forms[:count]]
    mates = [next((j for j in by_form[lines[i].form] if j != i), i) for i in picks]
    return by_form, forms, picks, mates


def legibility_at_seeds(writer: Writer, lines: list, picks: list[int], mates: list[int],
                        cfg: EvalConfig) -> tuple[list[dict], list[dict], list]:
    """Once per seed, each picked line's text written in its writer's hand (from a picture of
    their mate line, made like a scan or photo) and in the model's own, read back beside the
    real line: each seed's figures (those of the model's own hand as cer_own, htr_own and
    complete_own), and the first seed's rows and written lines."""
    per_seed, rows, written = [], [], []
    real = {}
    for seed in cfg.seeds:
        rng = np.random.default_rng(seed)
        hands = [writer.hand([scanned(lines[j].offsets, rng)]) for j in mates]
        sample = SampleConfig(temperature=cfg.temperature, bias=cfg.bias, seed=seed, versions=cfg.versions)
        f, r, w = _legibility(writer, lines, picks, hands, sample, real)
        own, _, _ = _legibility(writer, lines, picks, [None] * len(picks), sample, real)
        per_seed.append({**f, "cer_own": own["cer_model"], "htr_own": own["htr_model"],
                         "complete_own": own["complete"]})
        rows, written = rows or r, written or w
    return per_seed, rows, written


@torch.no_grad()
def evaluate(model: HandwritingModel, cfg: EvalConfig, data: dict | None = None, name: str = "model") -> dict:
    device = next(model.parameters()).device
    model.eval()
    writer = Writer(model, reader=load_reader(Path(cfg.reader)))
    if cfg.compile:
        writer.compile()
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = data or iamondb.load(cfg.data)
    valid = Collator(data["valid"], references=4)
    lines = valid.lines
    figures = {"name": name, "seeds": list(cfg.seeds), "versions": cfg.versions, "decoding": writer.decoding}

    # Likelihood of real held-out lines, with style from another line of their writer.
    figures.update(validate(model, valid, replace(TrainConfig(), valid_batches=cfg.nll_batches), device))
    model.eval()

    by_form, forms, picks, mates = legibility_lines(lines, cfg.lines)

    # The width tests between two real lines of one writer: what a person passes.
    widths = [width_per_char(lines[j].offsets, lines[j].text) / width_per_char(lines[i].offsets, lines[i].text)
              for i, j in zip(picks, mates) if i != j]
    for key, (low, high) in (("whole_real", WHOLE), ("width_within_real", NEAR)):
        figures[key] = float(np.mean([low <= w <= high for w in widths])) if widths else None

    # Legibility, completeness, size and spacing, once per seed: one line from each of
    # `lines` writers, in that writer's hand.
    per_seed, rows, written = legibility_at_seeds(writer, lines, picks, mates, cfg)
    figures["lines"] = len(picks)
    figures.update(_averaged(per_seed))
    sample = SampleConfig(temperature=cfg.temperature, bias=cfg.bias, seed=cfg.seeds[0], versions=cfg.versions)

    # Size across a paragraph: four lines of a writer as one request, in that writer's hand.
    paragraphs = [sorted(by_form[f]) for f in forms if len(by_form[f]) > PARAGRAPH_LINES][: cfg.paragraphs]
    par_hands = [writer.hand([_clean(lines[p[0]].offsets)]) for p in paragraphs]
    par_written = writer.write([Task([lines[i].text for i in p[1:PARAGRAPH_LINES + 1]], hand, sample)
                                for p, hand in zip(paragraphs, par_hands)])
    figures.update({
        "paragraphs": len(paragraphs),
        "size_spread_real": _mean(_size_spread([lines[i].offsets for i in p[1:PARAGRAPH_LINES + 1]])
                                  for p in paragraphs),
        "size_spread_model": _mean(_size_spread([l.offsets for l in w]) for w in par_written),
    })

    # Style: given one of writer w's lines, does writing another text in w's style land
    # nearer a third line of w's than the other writers' third lines? (Against the line the
    # style came from, writing that copies it would look like the writer without being so.)
    # Once per seed, as legibility is: one seed's figure swings by as much as it moves.
    pairs = [(f, by_form[f]) for f in forms if len(by_form[f]) >= 3][: cfg.writers * cfg.style_groups]
    refs, targets, banks = ([idx[k] for _, idx in pairs] for k in range(3))
    target_texts = [lines[i].text for i in targets]
    ref_hands = [writer.hand([_clean(lines[i].offsets)]) for i in refs]
    # The same writers' real pen strokes, as a tablet gives them.
    drawn_hands = [writer.hand(strokes=to_strokes(lines[i].offsets)) for i in refs]
    judge = load_judge(Path(cfg.judge))
    bank = [lines[i].offsets for i in banks]
    real = {name: [measure(lines[i].offsets, lines[i].text) for i in refs]
            for name, measure in LIKENESS_MEASURES.items()}
    per_seed, styled_lines, plain_lines = [], None, None
    for seed in cfg.seeds:
        f, styled, plain = _likeness(writer, target_texts, {"styled": ref_hands, "drawn": drawn_hands},
                                     replace(sample, seed=seed), judge, bank, real, cfg.writers)
        per_seed.append(f)
        styled_lines, plain_lines = styled_lines or styled, plain_lines or plain
    figures.update(_averaged(per_seed))
    figures.update({"writers": cfg.writers, "style_writers": len(refs),
                    "retrieval_real": _retrieval_in_groups(judge, [lines[i].offsets for i in targets], bank,
                                                           cfg.writers)})

    # Style from the pictures people have: the same writers' lines as phone photos, pencil,
    # ruled paper, pages..., against clean renderings of other lines of theirs.
    rng = np.random.default_rng(cfg.seeds[0])
    writers = [sorted(by_form[f]) for f in forms if len(by_form[f]) >= 3][: cfg.writers]
    clean_bank = torch.stack([writer.hand([_clean(lines[w[-1]].offsets)]).embedding for w in writers])
    for kind in PICTURES:
        found, refused = [], 0
        for w in writers:
            try:
                found.append(writer.hand([picture([lines[i].offsets for i in w[:-1]], kind, rng)]).embedding)
            except NoHandwritingFound:
                found.append(torch.zeros_like(clean_bank[0]))
                refused += 1
        figures[f"picture_{kind}"] = (_retrieval(torch.stack(found), clean_bank), refused)

    # Speed: one 44-character line, alone.
    started = time.perf_counter()
    writer.write([Task([SPEED_LINE], None, sample)])
    figures["seconds_per_line"] = time.perf_counter() - started
    # A line as long as a request may hold (300 characters) must end by itself.
    long_text = " ".join(lines[i].text for i in picks)[:LONG_LINE].rsplit(" ", 1)[0]
    (long_line,), = writer.write([Task([long_text], None, sample)])
    figures["long_line"] = (len(long_text), long_line.ended)
    figures["accents"] = _accents(writer, cfg.seeds, cfg, [lines[i].text for i in picks]) if cfg.accents else None
    figures["figures"] = (_figures(writer, cfg, [lines[i].text for i in picks], out / "figures.png")
                          if cfg.figures else None)

    if cfg.hands_dir:
        write_hands(writer, ref_hands[:HANDS], Path(cfg.hands_dir), sample)

    sheet = out / "samples.png"
    sheet_rows = []
    for i, line in list(zip(picks, written))[:5]:
        sheet_rows += [(f"real: {lines[i].text}", lines[i].offsets), (f"{name}, that writer's style", line.paths)]
    for k in range(min(3, len(refs))):
        sheet_rows += [(f"style reference (writer {pairs[k][0]})", lines[refs[k]].offsets),
                       (f"{name} in that style: {target_texts[k]}", styled_lines[k].paths),
                       (f"{name} without style: {target_texts[k]}", plain_lines[k].paths)]
    if par_written:
        sheet_rows += [(f"{name}, paragraph line {k + 1}: {l.text}", l.paths) for k, l in enumerate(par_written[0])]
    sample_sheet(sheet_rows, sheet, f"{name}: validation writers (IAM-OnDB testset_v)")
    (out / "report.md").write_text(report(figures, rows, sheet.name))
    return figures

HANDS = 4
HAND_TEXT = ["The quick brown fox jumps over", "the lazy dog, 1234567890?"]


def write_hands(writer: Writer, hands: list[Hand], folder: Path, sample: SampleConfig) -> None:
    """The extension's built-in hands: pictures of the model writing in validation writers' styles.

    Model output, not IAM-OnDB data, so they may ship (under the weights' licence).
    """
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for k, written in enumerate(writer.write([Task(HAND_TEXT, hand, sample) for hand in hands]), 1):
        pictures = [render(line.offsets, 3.0, width=2.5, margin=12) for line in written]
        sheet = Image.new("L", (max(p.width for p in pictures), sum(p.height for p in pictures)), 255)
        top = 0
        for p in pictures:
            sheet.paste(p, (0, top))
            top += p.height
        sheet.save(folder / f"hand-{k}.png", optimize=True)


