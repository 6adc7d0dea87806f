"""The evaluation's measures, on made-up lines with a tiny model."""
import numpy as np
import pytest
import torch

import synthetic
from inkscribe.model.config import EvalConfig, preset
from inkscribe.model.evaluate import cer, evaluate, slant, words_found
from inkscribe.model.network import HandwritingModel
from inkscribe.model.strokes import to_offsets


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


def test_evaluation_writes_a_report_with_every_measure(tmp_path):
    torch.manual_seed(0)
    lines = synthetic.lines(12)
    cfg = EvalConfig(out_dir=str(tmp_path), lines=4, writers=3, hands_dir=str(tmp_path / "hands"))
    figures = evaluate(HandwritingModel(preset("tiny")), cfg, data={"train": lines, "valid": lines}, name="tiny")
    report = (tmp_path / "report.md").read_text()
    for measure in ["validation NLL", "tesseract CER", "complete lines", "style retrieval", "slant correlation",
                    "seconds per 40-character line"]:
        assert measure in report
    assert (tmp_path / "samples.png").stat().st_size > 10_000
    assert figures["lines"] == 4 and 0 <= figures["complete"] <= 4
    assert sorted(p.name for p in (tmp_path / "hands").iterdir()) == [f"hand-{k}.png" for k in (1, 2, 3)]
