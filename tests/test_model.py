"""The network, its training and its sampling, on tiny synthetic data."""
import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import synthetic
from inkscribe.model.data import iamondb
from inkscribe.model.net import gmm
from inkscribe.model.data.alignment import alignment
from inkscribe.model.samples.batches import Collator
from inkscribe.model.data.composed import compose, composed_words, cut_glyphs, drawn_glyphs
from inkscribe.model.data.iamondb import Line
from inkscribe.model.page.charset import UnknownCharacterError, encode, normalise, split_marks
from inkscribe.model.net.checkpoint import load_model
from inkscribe.model.config import DATA_X_HEIGHT, DataConfig, TrainConfig, preset
from inkscribe.model.net.loss import losses
from inkscribe.model.net.network import HandwritingModel, decoder_inputs
from inkscribe.model.config import PathConfig
from inkscribe.model.net.sampling import SampleConfig, generate, pad_chars
from inkscribe.model.write.accents import with_marks
from inkscribe.model.data.segments import join_words, spacing, split_words, with_words, word_gaps, words_of
from inkscribe.model.data.strokes import lean, to_offsets, to_strokes
from inkscribe.model.training.train import train
from inkscribe.model.write.writer import Hand, Task, Writer


def test_large_preset_has_the_seed_shapes():
    torch.manual_seed(0)
    model = HandwritingModel(preset("large")).eval()
    chars = pad_chars(["Hello World", "Quiz"], "cpu")
    images = torch.rand(2, 3, 1, 64, 64)
    content = model.content(chars)
    writer, glyph = model.style.heads(images)
    points = decoder_inputs(torch.zeros(2, 7, 3))
    params, end, advance, attention = model(chars, points, torch.zeros(2, 7), images)
    mix = gmm.split(params)
    assert content.shape == (2, chars.shape[1], 512)
    assert writer.shape == glyph.shape == (2, 128)
    assert params.shape == (2, 7, 121) and end.shape == advance.shape == (2, 7)
    assert gmm.sample(mix, torch.rand(2, 7, 2), torch.randn(2, 7, 2)).shape == (2, 7, 3)
    assert len(model.layers) == 6 and model.layers[0].ff[0].out_features == 2048
    assert attention.shape == (6, 2, 7, chars.shape[1])


def test_every_printable_ascii_character_is_writable_and_others_are_named():
    assert len(encode("Quiz: XZ 0-9 ~!@#$%^&*()")) == 25
    assert normalise("\u201cdon\u2019t\u201d \u2014 ok\u2026") == '"don\'t" - ok...'
    with pytest.raises(UnknownCharacterError) as err:
        encode("caf\u00e9 \u4e2d \u20b9 \u20ac")
    assert "U+4E2D" in str(err.value) and "U+20B9" in str(err.value) and "U+00E9" not in str(err.value)
    assert "U+20AC" not in str(err.value)   # a C with two bars across


def test_accented_letters_are_their_plain_letter_with_marks_as_typed_or_decomposed():
    assert split_marks(normalise("Caf\u00e9 na\u00efve \u00c5sa")) == (
        "Cafe naive Asa", [(3, "acute"), (7, "diaeresis"), (11, "ring")])
    assert normalise("cafe\u0301") == "caf\u00e9" and encode("\u00e9") == encode("e")
    assert split_marks("Dvo\u0159\u00e1k \u00e7a")[1] == [(3, "caron"), (4, "acute"), (7, "cedilla")]
    assert split_marks("\u20ac5 \u00a39") == ("C5 L9", [(0, "euro bars"), (3, "pound bar")])
    # Letters the data lacks are a letter it has with a stroke or two: ø, ł, ß as a hand makes them.
    assert split_marks("\u00f8 \u0142 Stra\u00dfe \u00a55") == (
        "o l StraBe Y5", [(0, "slash"), (2, "stem bar"), (8, "eszett stem"), (11, "yen bars")])


def test_a_mark_is_drawn_over_the_letter_the_model_was_writing():
    # Three letters side by side, 4 units wide; the pen read each while drawing it.
    strokes = [np.array([[4 * k, 0], [4 * k + 2, -5], [4 * k + 3, 0]], np.float32) for k in range(3)]
    reading = np.repeat([0.0, 1.0, 2.0], 3)
    for letter in range(3):
        marked = to_strokes(with_marks(to_offsets(strokes), reading, [(letter, "acute")], 3))
        assert len(marked) == 4 and all(np.allclose(a, b) for a, b in zip(marked, strokes))
        mark = marked[3]
        assert mark[:, 1].max() < -5                                          # above the ink
        assert abs(mark[:, 0].mean() - (4 * letter + 1.5)) < 2                 # over its letter
    slashed = to_strokes(with_marks(to_offsets(strokes), reading, [(1, "slash")], 3))[3]
    assert slashed[:, 1].min() < -2.5 < slashed[:, 1].max() and abs(slashed[:, 0].mean() - 5.5) < 2   # across it
    dots = to_strokes(with_marks(to_offsets(strokes), reading, [(1, "diaeresis"), (2, "cedilla")], 3))
    assert [len(s) for s in dots[3:]] == [1, 1, 3] and dots[-1][:, 1].min() > 0   # two dots; a hook below


def test_symbols_the_data_lacks_are_made_from_the_writers_own_letters():
    assert split_marks(normalise("\u0133s 2\u00aa x\u00b2")) == ("ijs 2a x2", [(5, "superscript"), (5, "underline"),
                                                                          (8, "superscript")])
    assert split_marks("\u00bf \u00b0 \u00ab \u00a7 \u00a9") == (
        "? o - S C", [(0, "turned"), (2, "degree"), (4, "hidden"), (4, "left chevrons"), (6, "section"),
                      (8, "small capital"), (8, "circle")])
    # A hook of three letters, each read while drawn: the middle one is reshaped.
    strokes = [np.array([[4 * k, 0], [4 * k, -5], [4 * k + 2, -5]], np.float32) for k in range(3)]
    reading = np.repeat([0.0, 1.0, 2.0], 3)
    mark = lambda *names: to_strokes(with_marks(to_offsets(strokes), reading, [(1, n) for n in names], 3))
    turned = mark("turned")[1]
    assert turned[0, 1] < turned[1, 1] and turned[2, 0] < turned[1, 0]        # upside down: the hook hangs
    assert mark("degree")[1][:, 1].max() < -5 and np.ptp(mark("degree")[1][:, 1]) < 5   # small, above
    section = mark("section")
    assert len(section) == 4 and section[3][:, 1].mean() > section[1][:, 1].mean()   # an S above another
    chevrons = mark("hidden", "left chevrons")
    assert len(chevrons) == 4 and all(np.allclose(a, b) for a, b in zip(chevrons[:2], [strokes[0], strokes[2]]))
    assert all(abs(c[:, 0].mean() - 5) < 2.5 for c in chevrons[2:])           # in the stand-in's place
    # ı: an i whose dot, written after the word as hands often do, is left out.
    i = [np.array([[0, 0], [0, -2.5]], np.float32), np.array([[4, 0], [4, -2.5]], np.float32),
         np.array([[0.1, -4.5], [0.2, -4.6]], np.float32)]
    undotted = to_strokes(with_marks(to_offsets(i), np.array([0, 0, 1, 1, 1, 1.0]), [(0, "undotted")], 2))
    assert len(undotted) == 2 and all(np.allclose(a, b) for a, b in zip(undotted, i[:2]))


def test_marks_lean_with_the_writers_slant_and_vary_a_little_as_a_hands_do():
    leaning = [np.array([[4 * k + 3, -5], [4 * k, 0]], np.float32) for k in range(3)]   # tops 3 to the right
    assert lean(leaning) == pytest.approx(-0.6)
    reading = np.repeat([0.0, 1.0, 2.0], 2)
    stem = lambda strokes: to_strokes(with_marks(to_offsets(strokes), reading, [(1, "thorn stem")], 3))[-1]
    upright = [s * np.array([0, 1], np.float32) + np.array([4 * k, 0], np.float32) for k, s in enumerate(leaning)]
    tilt = lambda s: (s[-1, 0] - s[0, 0]) / (s[-1, 1] - s[0, 1])
    assert tilt(stem(leaning)) < tilt(stem(upright)) - 0.4       # the rising stem leans as the letters do
    assert np.allclose(stem(leaning), stem(leaning))              # the same word, the same marks
    # Other words, other marks: each stem its own length, all near the drawn one (0.75 x-heights).
    lengths = [np.ptp(stem([s + np.array([dx, 0], np.float32) for s in upright])[:, 1]) / DATA_X_HEIGHT
               for dx in (0.5, 1.0, 1.5, 2.0)]
    assert len(set(np.round(lengths, 4))) == 4 and all(0.55 < n < 0.95 for n in lengths)


def _batch(lines, style=True):
    return Collator(lines, references=2)(list(range(len(lines))), np.random.default_rng(0), with_style=style)


def test_loss_falls_when_overfitting_a_tiny_batch(lines):
    torch.manual_seed(0)
    model = HandwritingModel(preset("tiny"))
    batch = _batch(lines[:3])
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    history = []
    for _ in range(60):
        terms = losses(model, batch)
        loss = sum(terms.values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    assert history[-1] < history[0] - 2.0


def test_alignment_guide_walks_through_the_text_once():
    line = synthetic.lines(1)[0]
    a = alignment(line.text, line.offsets)
    assert a[0] == 0 and a[-1] == pytest.approx(len(line.text) - 1, abs=0.6)
    assert np.all(np.diff(a) >= 0)


def test_slipped_reading_stays_in_the_text_and_its_targets_lead_back(lines):
    clean = Collator(lines, references=2)(list(range(len(lines))), np.random.default_rng(0), with_style=False)
    slipped = Collator(lines, references=2, reading_drift=2.0)(list(range(len(lines))), np.random.default_rng(0),
                                                               with_style=False)
    mask, off = slipped["mask"], slipped["reading"] - slipped["align"]
    last = torch.tensor([len(line.text) - 1 for line in lines])[:, None]
    assert torch.equal(clean["reading"], clean["align"])
    assert off.abs().max() > 0.5
    assert ((slipped["reading"] >= 0) & (slipped["reading"] <= last)).all()
    # Ahead of the guide the target advance is smaller than the guide's, behind it larger.
    correction = (slipped["advance"] - clean["advance"])[mask & (off.abs() > 0.1)]
    assert (correction * off[mask & (off.abs() > 0.1)] < 0).all()

def test_cached_and_uncached_sampling_agree():
    torch.manual_seed(0)
    model = HandwritingModel(preset("tiny"))
    texts = ["hello", "a longer line"]
    model.eval()
    style = model.style(torch.rand(2, 2, 1, 64, 64), 2)
    cached = generate(model, texts, style, SampleConfig(seed=3, use_cache=True, max_points_per_char=3))
    uncached = generate(model, texts, style, SampleConfig(seed=3, use_cache=False, max_points_per_char=3))
    for a, b in zip(cached, uncached):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_sampling_stops_at_the_length_guard_and_is_reproducible():
    torch.manual_seed(0)
    model = HandwritingModel(preset("tiny"))
    cfg = SampleConfig(seed=5, max_points_per_char=4)
    first = generate(model, ["abc", "abcdefgh"], None, cfg)
    again = generate(model, ["abc", "abcdefgh"], None, cfg)
    assert len(first[0]) <= 3 * 4 + 20 and len(first[1]) <= 8 * 4 + 20
    assert first[1][-1, 2] == 1  # the last stroke is closed
    np.testing.assert_array_equal(first[0], again[0])


def test_a_line_splits_into_its_words_at_the_spaces_and_joins_back(lines):
    line = lines[1]                                  # "the quick fox": one stroke per word, 4 apart
    words = split_words(line.offsets, line.text)
    assert [w for w, _ in words] == ["the", "quick", "fox"]
    assert all(np.cumsum(o[:, 0]).min() == pytest.approx(0, abs=1e-4) for _, o in words)
    np.testing.assert_allclose(word_gaps(line.offsets, line.text), [4, 4], atol=0.3)
    joined = join_words([o for _, o in words], [9.0, 9.0])
    np.testing.assert_allclose(word_gaps(joined, line.text), [9, 9], atol=1e-4)
    # Punctuation typed apart from its word is written close to it.
    assert spacing(["Yes", ",", "she", "said", ":", '"', "go", '"'], 8.0) == [2, 8, 8, 2, 8, 2, 2]
    # ¿ ¡ « » ° typed against a word are written as words of their own, close to it.
    words, together = words_of("\u00bfS\u00ed? \u00bbText\u00ab und \u00ab oui \u00bb 20\u00b0C")
    assert words == ["\u00bf", "S\u00ed?", "\u00bb", "Text", "\u00ab", "und", "\u00ab", "oui", "\u00bb",
                     "20", "\u00b0", "C"]
    assert spacing(words, 8.0, together) == [2, 8, 2, 2, 8, 8, 2, 2, 8, 2, 2]
    assert split_words(line.offsets, "the quickfox") is None        # two spaces' worth of ink, one space
    assert split_words(line.offsets, "the quick fox jumps") is None  # more words than the ink holds


def test_words_are_trained_beside_their_lines_with_style_from_other_lines(lines):
    both = with_words(lines)
    words = both[len(lines):]
    assert len(words) == sum(len(l.text.split()) for l in lines if split_words(l.offsets, l.text))
    assert words[0].id.startswith(lines[0].id + "#") and words[0].form == lines[0].form
    collate = Collator(both, references=2, whole_lines=lines)
    batch = collate([len(lines), len(lines) + 1], np.random.default_rng(0))
    assert batch["images"].shape == (2, 2, 1, 64, 64) and batch["images"].max() > 0.5


def test_words_with_capitals_or_digits_can_be_trained_more_often(lines):
    words = with_words(lines)[len(lines):]
    more = with_words(lines, rare_repeat=3)[len(lines):]
    rare = [w.text for w in words if any(c.isupper() or c.isdigit() for c in w.text)]
    assert rare and len(more) == len(words) + 2 * len(rare)
    assert sorted(w.text for w in more if w.text in rare) == sorted(rare * 3)


def _glyph_strokes(x: float, tall: bool = True) -> list[np.ndarray]:
    """A digit-like upright stroke (or a low dot) at x."""
    if not tall:
        return [np.array([[x, 3.0], [x + 0.3, 3.2]], np.float32)]
    return [np.array([[x, -4.0], [x + 2.0, -2.0], [x + 1.0, 4.0]], np.float32)]


def test_figures_and_capitals_are_composed_from_characters_cut_out_of_real_words():
    # "42." written apart, "Quiz" with its Q apart; "73" touching is no source of characters.
    words = [Line("z01-000-01#0", "z01-000", "42.", to_offsets(_glyph_strokes(0) + _glyph_strokes(4) + _glyph_strokes(8, tall=False))),
             Line("z01-000-01#1", "z01-000", "Quiz", to_offsets(_glyph_strokes(0) + [np.array([[4, 0], [10, 1]], np.float32)])),
             Line("z02-000-01#0", "z02-000", "73", to_offsets([np.array([[0, -4], [2, 4], [3, -4], [5, 4]], np.float32)]))]
    glyphs = cut_glyphs(words)
    assert sorted(glyphs) == [".", "2", "4", "Q"]
    assert glyphs["2"][0].gap == pytest.approx(2.0) and glyphs["2"][0].strokes[0][:, 0].min() == 0
    form, offsets = compose("24Q", glyphs, np.random.default_rng(0))
    written = to_strokes(offsets)
    assert form == "z01-000" and len(written) == 3
    lefts = [s[:, 0].min() for s in written]
    assert lefts == pytest.approx([0, 4, 8])   # each character its own width apart, at the writer's gap
    tails = []
    drawn = drawn_glyphs(cut_glyphs(words, tails), np.random.default_rng(0))
    assert [(t.form, t.text) for t in tails] == [("z01-000", "uiz")]
    x = np.concatenate(drawn["X"][0].strokes)   # drawn as tall as the writer's own capitals stand
    assert drawn["X"][0].form == "z01-000" and np.ptp(x[:, 1]) == pytest.approx(8.0, abs=0.5)
    made = composed_words(words, 40, seed=1)
    assert len(made) == 40 and all(set(w.text) <= set("24.QXZ/") or w.text[1:] == "uiz" for w in made)
    assert any(w.text[1:] == "uiz" and w.text[0] != "Q" for w in made)   # a name: another capital, their rest
    assert [w.text for w in composed_words(words, 40, seed=1)] == [w.text for w in made]
    with pytest.raises(ValueError, match="too few characters"):
        composed_words(words[2:], 5, seed=1)


def test_digits_are_drawn_for_some_writers_and_a_closed_four_for_all_as_tall_as_their_capitals():
    # Half the writers print narrow capitals, half wide ones.
    def quiz(k):
        if k % 2:
            q, rest = _glyph_strokes(0), np.array([[4, 0], [10, 1]], np.float32)
        else:
            q, rest = [np.array([[0.0, -4.0], [6.0, -2.0], [3.0, 4.0]], np.float32)], np.array([[8, 0], [20, 1]], np.float32)
        return Line(f"z{k:02d}-000-01#0", f"z{k:02d}-000", "Quiz", to_offsets(q + [rest]))
    words = [quiz(k) for k in range(80)]
    drawn = drawn_glyphs(cut_glyphs(words), np.random.default_rng(0))
    assert all(len(drawn[c]) == len(drawn["0"]) for c in "012356789")
    assert "A" not in drawn   # capitals stay the writers' own
    assert 10 <= len({g.form for g in drawn["0"]}) <= 35   # a share of the writers, not all
    assert len({g.form for g in drawn["4"]}) == 80   # the data's open four is read as an l: every writer gets one
    for digit in "0123456789":
        for g in drawn[digit]:
            ink = np.concatenate(g.strokes)
            assert np.ptp(ink[:, 1]) == pytest.approx(0.9 * 8.0, abs=1.5) and ink[:, 0].min() == 0
            assert max(np.abs(np.diff(s, axis=0)).max(initial=0) for s in g.strokes) <= DataConfig().max_step
            assert len(ink) <= 30   # about as many points as the data's characters hold (about 12)
    width = {k: [] for k in (0, 1)}
    for g in drawn["0"]:
        width[int(g.form[1:3]) % 2].append(np.ptp(np.concatenate(g.strokes)[:, 0]))
    assert width[0] and width[1] and min(width[0]) > max(width[1])   # wide capitals, wide digits
    # A four's cross-bar runs right of its upright, so it cannot read as an l.
    fours = [np.concatenate(g.strokes) for g in drawn["4"]]
    assert all(np.ptp(f[:, 0]) > 0.4 * np.ptp(f[:, 1]) for f in fours)


def test_a_request_is_written_word_by_word_with_the_writers_spacing():
    torch.manual_seed(0)
    writer = Writer(HandwritingModel(preset("tiny")))
    cfg = SampleConfig(seed=3, max_points_per_char=3)
    (narrow,), = writer.write([Task(["ab cd ef"], Hand(writer.model.style.no_style, word_gap=2.0), cfg)])
    (wide,), = writer.write([Task(["ab cd ef"], Hand(writer.model.style.no_style, word_gap=30.0), cfg)])
    width = lambda line: np.ptp(np.concatenate(line.strokes)[:, 0])
    assert width(wide) - width(narrow) == pytest.approx(2 * 28 * PathConfig().scale, rel=1e-3)
    assert len(wide.offsets) <= 3 * (2 * 3 + 20)   # each word has its own length guard
    # A ¿ or « written apart from its word is listed with it, as typed: reflow keeps them together.
    (marked,), = writer.write([Task(["\u00bfS\u00ed? \u00aboui\u00bb"], None, cfg)])
    assert [w for w, _, _ in marked.words] == ["\u00bfS\u00ed?", "\u00aboui\u00bb"]
    assert marked.words[0][1] == 0 and marked.words[0][2] == marked.words[1][1]
    assert marked.words[1][2] == len(marked.strokes)


def _tiny_run(tmp_path, lines, steps, resume=False):
    cfg = TrainConfig(preset="tiny", out_dir=str(tmp_path / "run"), steps=steps, eval_every=2,
                      valid_batches=1, batch_points=60, warmup=2)
    train(cfg, resume=resume, data={"train": lines, "valid": lines[:2]})
    with open(tmp_path / "run" / "log.csv") as f:
        return [r["loss"] for r in csv.DictReader(f)]


def test_resume_continues_exactly_where_the_run_stopped(tmp_path, lines):
    straight = _tiny_run(tmp_path / "a", lines, 4)
    _tiny_run(tmp_path / "b", lines, 2)
    resumed = _tiny_run(tmp_path / "b", lines, 4, resume=True)
    assert resumed == straight
    run = tmp_path / "b" / "run"
    assert (run / "loss.png").exists() and (run / "samples-000004.png").exists()
    state = torch.load(run / "checkpoint.pt", weights_only=False)
    unbroken = torch.load(tmp_path / "a" / "run" / "checkpoint.pt", weights_only=False)
    assert state["step"] == 4
    # The averaged weights resume exactly too, and they, not the last step's, are shipped.
    for name, value in state["ema"].items():
        torch.testing.assert_close(value, unbroken["ema"][name])
    assert not torch.equal(state["ema"]["gmm.weight"], state["model"]["gmm.weight"])
    from inkscribe.daemon.cli import main
    assert main(["export", str(run / "checkpoint.pt"), "-o", str(tmp_path / "w.pt")]) == 0
    shipped = load_model(tmp_path / "w.pt", "cpu")
    assert shipped.card["step"] == 4
    torch.testing.assert_close(shipped.gmm.weight, state["ema"]["gmm.weight"], atol=1e-3, rtol=1e-2)


def test_training_runs_under_torchrun_with_two_processes(tmp_path, lines):
    script = tmp_path / "ddp.py"
    script.write_text(
        "import sys; sys.path.insert(0, %r)\n"
        "import synthetic\n"
        "from inkscribe.model.config import TrainConfig\nfrom inkscribe.model.training.train import train\n"
        "lines = synthetic.lines(8)\n"
        "train(TrainConfig(preset='tiny', out_dir=%r, steps=2, eval_every=2, valid_batches=1, batch_points=60),"
        " data={'train': lines, 'valid': lines[:2]})\n" % (str(Path(__file__).parent), str(tmp_path / "run")))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
                           "--standalone", str(script)], capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 process(es)" in done.stdout
    assert (tmp_path / "run" / "checkpoint.pt").exists()


def test_a_resumed_run_keeps_the_schedule_it_was_started_with(tmp_path):
    from inkscribe.daemon.cli import main
    synthetic.official_layout(tmp_path / "iam", archives=False)
    where = ["--data", str(tmp_path / "iam"), "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "run")]
    assert main(["train", "--preset", "tiny", "--steps", "2", "--lr", "0.002", "--warmup", "1", "--eval-every", "1",
                 *where]) == 0
    assert main(["train", "--resume", "--steps", "3", *where]) == 0
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    assert state["step"] == 3 and state["config"]["d_model"] == preset("tiny").d_model
    assert (state["train_config"]["lr"], state["train_config"]["warmup"]) == (0.002, 1)


@pytest.mark.parametrize("archives", [True, False])
def test_official_layout_loads_from_archives_or_folders_and_is_cached(tmp_path, archives):
    synthetic.official_layout(tmp_path / "iam", archives)
    cfg = DataConfig(root=str(tmp_path / "iam"), cache_dir=str(tmp_path / "cache"))
    data = iamondb.load(cfg)
    assert [l.text for l in data["train"]] == synthetic.TEXTS[:2]
    assert [l.id for l in data["valid"]] == ["z01-001-01", "z01-001-02"]
    assert list((tmp_path / "cache").iterdir())
    again = iamondb.load(cfg)
    np.testing.assert_array_equal(again["valid"][1].offsets, data["valid"][1].offsets)
    heights = np.percentile(np.cumsum(data["train"][0].offsets[:, 1]), [5, 95])
    assert 8 < heights[1] - heights[0] < 12  # scaled to the line height


def test_shipped_weights_say_how_much_to_scale_the_writing_up(tmp_path):
    from inkscribe.model.net.checkpoint import export
    torch.manual_seed(0)
    model = HandwritingModel(preset("tiny"))
    cfg = SampleConfig(seed=1, max_points_per_char=3)
    written = {}
    for scale in (1.0, 1.25):
        export(model, tmp_path / "w.pt", {"ink_scale": scale})
        (line,), = Writer(load_model(tmp_path / "w.pt", "cpu")).write([Task(["one two"], None, cfg)])
        written[scale] = line.offsets
    words = lambda o: split_words(o, "one two")
    for (_, small), (_, large) in zip(words(written[1.0]), words(written[1.25])):
        np.testing.assert_allclose(large[1:, :2], 1.25 * small[1:, :2], atol=1e-3)   # the pen's moves


def test_shipped_format_loads_back_into_the_same_writer(tmp_path, lines):
    from inkscribe.model.net.checkpoint import export
    torch.manual_seed(0)
    model = HandwritingModel(preset("tiny"))
    export(model, tmp_path / "w.pt", {"data": "synthetic"})
    loaded = load_model(tmp_path / "w.pt", "cpu")
    assert loaded.card == {"data": "synthetic"}
    cfg = SampleConfig(seed=1, max_points_per_char=3)
    out = Writer(loaded).write([Task(["hi there", "", "ok"], None, cfg)])[0]
    assert [len(w.paths) > 0 for w in out] == [True, False, True]


def test_a_line_writes_the_same_alone_or_batched_with_other_requests():
    torch.manual_seed(0)
    model = HandwritingModel(preset("tiny")).eval()
    mine = SampleConfig(seed=11, temperature=0.8, bias=1.0, max_points_per_char=3)
    other = SampleConfig(seed=99, temperature=1.2, bias=0.0, max_points_per_char=3)
    alone = generate(model, ["hello"], None, [mine])[0]
    batched = generate(model, ["a much longer line", "hello"], None, [other, mine])[1]
    np.testing.assert_allclose(alone, batched, atol=1e-4)


def test_a_request_writes_the_same_in_many_small_batches_as_in_one():
    torch.manual_seed(0)
    model = HandwritingModel(preset("tiny")).eval()
    task = Task(["one two three", "a longer line of words here"], None, SampleConfig(seed=4, max_points_per_char=3))
    one = Writer(model).write([task])[0]
    many = Writer(model, max_points=40).write([task])[0]   # room for one word per batch
    for a, b in zip(one, many):
        np.testing.assert_allclose(a.offsets, b.offsets, atol=1e-4)


def test_a_run_out_of_time_stops_early_and_saves_where_it_got_to(tmp_path, lines):
    cfg = TrainConfig(preset="tiny", out_dir=str(tmp_path / "run"), steps=50, eval_every=50, time_limit=1e-6,
                      valid_batches=1, batch_points=60, warmup=1)
    train(cfg, data={"train": lines, "valid": lines[:2]})
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    assert state["step"] == 1
    assert cfg.lr_at(10, elapsed=0.5e-6) < cfg.lr and cfg.lr_at(10, elapsed=1.0) == cfg.min_lr
