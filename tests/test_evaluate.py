"""The evaluation's measures, on made-up lines with a tiny model."""
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import synthetic
from inkscribe.model.config import EvalConfig, JudgeConfig, preset
from inkscribe.model.data.iamondb import Line
from inkscribe.model.critics.judge import load_judge, retrieval, save_judge, train_judge
from inkscribe.model.critics.cer import cer
from inkscribe.model.evaluation.evaluate import _size_spread, evaluate
from inkscribe.model.evaluation.measures import gap_per_height, joined, size_ratio, slant, words_found, x_height
from inkscribe.model.net.network import HandwritingModel
from inkscribe.model.data.strokes import normalise, to_offsets, to_strokes


def test_character_error_rate_counts_edits():
    assert cer("hello", "hello") == 0
    assert cer("hello", "hallo") == pytest.approx(0.2)
    assert cer("hello", "") == 1
    assert cer("ab", "abcd") == 1


def _strokes(lean: float) -> np.ndarray:
    """Three 'words' of upstroke-downstroke letters, leaning right by `lean` (x per unit of height)."""
    strokes = []
    for word in range(3):
        for letter in range(3):
            x = 20 * word + 3 * letter
            strokes.append(np.array([[x, 0], [x + 5 * lean, -5], [x + 1, 0]], np.float32))
    return to_offsets(strokes)


def test_slant_and_word_measures_follow_the_writing():
    assert slant(_strokes(0.0)) == pytest.approx(0, abs=12)
    assert slant(_strokes(0.5)) == pytest.approx(26.6, abs=8)
    assert words_found(_strokes(0.3)) == 3


def test_spacing_and_size_measures_follow_the_writing():
    line = _strokes(0.0)                    # words 20 apart, each 7 wide: gaps of 13, ink 5 tall
    assert gap_per_height(line, "abc def ghi") == pytest.approx(13 / 5 / 0.9, rel=0.1)
    assert gap_per_height(line, "abcdefghi") is None
    bigger = line * np.array([1.5, 1.5, 1], np.float32)
    assert x_height(bigger) == pytest.approx(1.5 * x_height(line), rel=0.02)
    assert _size_spread([line, line, line]) == pytest.approx(0, abs=1e-6)
    assert _size_spread([line, bigger]) == pytest.approx(0.2, rel=0.05)
    # Taller letters beside the small ones lower the size ratio; scaling the whole line does not.
    tall = to_offsets([s + [0, 0] if k % 3 else s * [1, 2.5] for k, s in enumerate(to_strokes(line))])
    assert size_ratio(bigger) == pytest.approx(size_ratio(line), rel=0.02)
    assert size_ratio(tall) < 0.8 * size_ratio(line)


def _writers(count: int, lines: int, seed: int = 0) -> list[Line]:
    """Made-up writers told apart by slant and letter height, `lines` lines each."""
    rng = np.random.default_rng(seed)
    out = []
    for w in range(count):
        lean, tall = -0.6 + 1.2 * w / max(1, count - 1), 1 + 0.8 * (w % 2)
        for k in range(lines):
            text = synthetic.TEXTS[(w + k) % len(synthetic.TEXTS)]
            strokes = [s * np.array([1, tall], np.float32) for s in synthetic.strokes_for(text, rng, lean)]
            out.append(Line(f"w{w:02d}-{k}", f"w{w:02d}", text, to_offsets(normalise(strokes))))
    return out


def test_the_style_judge_is_trained_apart_and_tells_writers_by_their_real_lines(tmp_path):
    torch.manual_seed(0)
    cfg = JudgeConfig(steps=60, forms_per_batch=6, writers=6, path=str(tmp_path / "judge.pt"))
    judge, score = train_judge(_writers(6, 4), _writers(6, 2, seed=1), cfg)
    assert score > 0.5   # chance is 1/6
    save_judge(judge, Path(cfg.path), {"data": "made up"})
    again = load_judge(Path(cfg.path))
    lines = [l.offsets for l in _writers(6, 2, seed=2)]
    assert retrieval(again, lines[1::2], lines[::2]) == retrieval(judge, lines[1::2], lines[::2])
    with pytest.raises(FileNotFoundError, match="inkscribe judge"):
        load_judge(tmp_path / "missing.pt")


def test_evaluation_writes_a_report_with_every_measure(tmp_path):
    torch.manual_seed(0)
    lines = synthetic.data_lines(12)
    cfg = EvalConfig(out_dir=str(tmp_path), lines=4, writers=2, style_groups=2, hands_dir=str(tmp_path / "hands"),
                     accents=False, versions=2)
    figures = evaluate(HandwritingModel(preset("tiny")), cfg, data={"train": lines, "valid": lines}, name="tiny")
    report = (tmp_path / "report.md").read_text()
    assert "2 versions of each word" in report and "Digits and capitals (4 lines of each" in report
    for measure in ["validation NLL", "how much the strokes read the style", "tesseract CER", "recogniser CER", "complete lines", "style retrieval", "slant correlation", "size ratio", "joined (letters per pen-down stroke)",
                    "word gap over ink height correlation",
                    "word gap over ink height", "size spread across a paragraph", "ink height, model / real",
                    "seconds for a 44-character line", "Digits and capitals", "Style from the pictures people have", "phone photo", "character line ends by itself"]:
        assert measure in report
    # Measured, not only labelled: each of these rows holds a figure.
    rows = {line.split("|")[1].strip(): line for line in report.splitlines() if line.startswith("|")}
    for measure in ["tesseract CER, real people's lines", "tesseract CER, model's own hand (no style)"]:
        assert re.search(r"\| \d\.\d{3}", rows[measure]), rows[measure]
    assert figures["retrieval_real"] is not None and figures["seconds_per_line"] > 0
    assert (tmp_path / "samples.png").stat().st_size > 10_000 and (tmp_path / "figures.png").stat().st_size > 10_000
    assert figures["lines"] == 4
    assert figures["style_writers"] == 4 and "mean over 4 writers in groups of 2" in report   # likeness over every group
    low, high = figures["slant_r_styled_range"]   # likeness at every seed, as legibility: the two differ
    assert low < high and f"{figures['slant_r_styled']:.2f} ({low:.2f}–{high:.2f})" in report
    assert sorted(p.name for p in (tmp_path / "hands").iterdir()) == [f"hand-{k}.png" for k in (1, 2, 3, 4)]


def test_a_joined_hand_measures_more_letters_per_stroke_than_a_printed_one():
    printed = to_offsets([np.array([[3 * k, 0], [3 * k + 1, -2]], np.float32) for k in range(5)])
    cursive = to_offsets([np.array([[x, -(x % 2)] for x in range(15)], np.float32)])
    assert joined(printed, "hello") == 1 and joined(cursive, "hello") == 5
