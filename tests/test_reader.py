"""The stroke reader, and the writer keeping the version of each word it reads best."""

import numpy as np
import torch

import synthetic
from inkscribe.daemon.cli import main
from inkscribe.model.config import ReaderConfig, preset
from inkscribe.model.critics.judge import load_judge
from inkscribe.model.net.network import HandwritingModel
from inkscribe.model.critics.reader import Reader, load_reader, misreading, read, save_reader, train_reader
from inkscribe.model.net.sampling import SampleConfig, generate, guard
from inkscribe.model.data.segments import join_words, spacing, split_words
from inkscribe.model.data.segments import WORD_SPACE
from inkscribe.model.write.writer import Task, Writer, seeded


def _words(lines):
    return [(w, o) for l in lines for w, o in split_words(l.offsets, l.text) or []]


def test_the_reader_learns_to_read_words_from_their_strokes(tmp_path):
    # Made-up words are a bump per letter: their letters cannot be told apart, but how many
    # there are can, and that is what a skipped or doubled letter changes.
    torch.manual_seed(0)
    reader, cer = train_reader(synthetic.data_lines(24), synthetic.data_lines(12, seed=1),
                               ReaderConfig(steps=600, batch=16, width=32, lr=3e-3, valid_words=30))
    assert cer < 1.0
    save_reader(reader, tmp_path / "reader.pt", {"data": "made up"})
    again = load_reader(tmp_path / "reader.pt", bfloat16=False)
    words = _words(synthetic.data_lines(6, seed=2))
    readings = read(again, [o for _, o in words])
    assert readings == read(reader, [o for _, o in words])
    # In bfloat16 (the default where the CPU computes it natively) it reads the same words.
    quick = read(load_reader(tmp_path / "reader.pt", bfloat16=True), [o for _, o in words])
    assert np.mean([a == b for a, b in zip(quick, readings)]) > 0.8
    own = misreading(again, [o for _, o in words], [w for w, _ in words])
    shorter = misreading(again, [o for _, o in words], [w[:-2] for w, _ in words])
    longer = misreading(again, [o for _, o in words], [w + w[-2:] for w, _ in words])
    assert (own < shorter).mean() > 0.8 and (own < longer).mean() > 0.8
    assert load_reader(tmp_path / "missing.pt") is None


def test_the_writer_keeps_the_version_of_each_word_its_reader_reads_best():
    torch.manual_seed(0)
    model, reader = HandwritingModel(preset("tiny")), Reader(16)
    words = ["ab", "cde", "fg"]
    cfg = SampleConfig(seed=5, max_points_per_char=4, versions=3)
    (line,), = Writer(model, reader=reader).write([Task([" ".join(words)], None, cfg)])
    chosen = []
    for j, word in enumerate(words):
        versions = [seeded(cfg, 0, j, v) for v in range(3)]
        made = generate(model, [word] * 3, model.style.no_style.expand(3, -1), versions)
        scores = misreading(reader, made, [word] * 3)
        chosen.append(min(range(3), key=lambda v: (len(made[v]) >= guard(word, cfg), scores[v])))
        assert len(set(map(len, made))) > 1 or not np.array_equal(made[0], made[1])   # versions differ
        if chosen[-1]:
            assert scores[chosen[-1]] < scores[0]
    assert any(chosen)   # else this test would not tell a writer that ignores its reader
    expected = join_words([generate(model, [w], model.style.no_style[None], [seeded(cfg, 0, j, v)])[0]
                           for j, (w, v) in enumerate(zip(words, chosen))], spacing(words, WORD_SPACE))
    np.testing.assert_allclose(line.offsets, expected, atol=1e-4)
    # Without a reader, a word is written once, as its first version.
    (plain,), = Writer(model).write([Task([" ".join(words)], None, cfg)])
    first = join_words([generate(model, [w], model.style.no_style[None], [seeded(cfg, 0, j, 0)])[0]
                        for j, w in enumerate(words)], spacing(words, WORD_SPACE))
    np.testing.assert_allclose(plain.offsets, first, atol=1e-4)


def test_letters_written_as_two_and_accented_letters_are_read_as_the_model_writes_them():
    torch.manual_seed(0)
    writer = Writer(HandwritingModel(preset("tiny")), reader=Reader(16))
    (line,), = writer.write([Task(["cœur où"], None, SampleConfig(seed=2, max_points_per_char=4, versions=2))])
    assert [w for w, _, _ in line.words] == ["cœur", "où"]


def test_expert_iteration_keeps_each_words_most_legible_version_and_trains_on_it(tmp_path, capsys):
    from dataclasses import replace

    from inkscribe.model.config import DistilConfig, TrainConfig
    from inkscribe.model.training.distil import chosen_words
    from inkscribe.model.data.iamondb import load_lines, save_lines
    from inkscribe.model.data.segments import with_words
    from inkscribe.model.training.train import train

    torch.manual_seed(0)
    model, reader, lines = HandwritingModel(preset("tiny")), Reader(16), synthetic.data_lines(8)
    cfg = DistilConfig(words=10, versions=3, max_misreading=float("inf"), chunk=4, references=2)
    kept = chosen_words(model, reader, lines, cfg)
    cut = {w.id: w for w in with_words(lines, cfg.rare_words)[len(lines):]}
    assert kept and all(k.id.endswith("~") and cut[k.id[:-1]].text == k.text for k in kept)
    texts = [k.text for k in kept]
    assert chosen_words(model, reader, lines, replace(cfg, max_misreading=-1.0)) == []   # none read that well
    # Style strength 0 writes them in the model's own hand: the writers' pictures no longer matter.
    own = replace(cfg, strength=0.0)
    before = [k.offsets for k in chosen_words(model, reader, lines, own)]
    with torch.no_grad():
        for p in model.style.parameters():
            p.add_(torch.randn_like(p) * 0.5) if p is not model.style.no_style else None
    after = [k.offsets for k in chosen_words(model, reader, lines, own)]
    assert len(after) == len(before) > 0 and all(np.array_equal(a, b) for a, b in zip(before, after))
    styled = chosen_words(model, reader, lines, cfg)
    assert len(styled) != len(kept) or any(not np.array_equal(a.offsets, k.offsets) for a, k in zip(kept, styled))
    save_lines(tmp_path / "words.npz", {"train": kept})
    assert [k.text for k in load_lines(tmp_path / "words.npz")["train"]] == texts
    train(TrainConfig(preset="tiny", out_dir=str(tmp_path / "run"), steps=2, eval_every=2, valid_batches=1,
                      batch_points=60, extra_words=str(tmp_path / "words.npz")),
          data={"train": lines, "valid": lines[:2]})
    assert f"{len(kept)} more from {tmp_path / 'words.npz'}" in capsys.readouterr().out


def test_the_reader_and_the_judge_are_trained_from_the_command_line(tmp_path, capsys):
    synthetic.official_layout(tmp_path / "iam", archives=False)
    where = ["--steps", "2", "--data", str(tmp_path / "iam"), "--cache", str(tmp_path / "cache")]
    assert main(["reader", "--out", str(tmp_path / "reader.pt"), *where]) == 0
    assert main(["judge", "--out", str(tmp_path / "judge.pt"), *where]) == 0
    said = capsys.readouterr().out
    assert "CER on" in said and "top-1 retrieval" in said
    assert load_reader(tmp_path / "reader.pt") is not None and load_judge(tmp_path / "judge.pt") is not None
    cards = [torch.load(tmp_path / f, weights_only=False)["card"] for f in ("reader.pt", "judge.pt")]
    assert [sorted(c) for c in cards] == [["data", "steps", "valid_word_cer"], ["data", "steps", "valid_retrieval"]]
    assert all("IAM-OnDB" in c["data"] and c["steps"] == 2 for c in cards)
