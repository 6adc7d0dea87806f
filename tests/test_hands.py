"""A hand learnt from a few lines a person wrote: adapters and a style vector, and writing with them."""
import numpy as np
import pytest
import torch

import synthetic
from inkscribe.model.config import LearnConfig, preset
from inkscribe.model.net.network import HandwritingModel
from inkscribe.model.net.sampling import SampleConfig
from inkscribe.model.write.hands import ADAPTED, learn
from inkscribe.model.write.writer import Hand, Task, Writer


def _learnt(steps=12):
    torch.manual_seed(0)
    model = HandwritingModel(preset("tiny"))
    lines = synthetic.data_lines(4)
    told = []
    hand = learn(model, [(l.offsets, l.text) for l in lines], LearnConfig(steps=steps, lr=3e-3, check_every=3),
                 progress=lambda step, steps: told.append((step, steps)))
    return model, hand, told


def test_a_hand_learns_the_held_out_line_better_with_adapters_on_every_decoder_layer():
    model, hand, told = _learnt()
    assert hand.nll_after < hand.nll_before   # the fourth line, never trained on
    assert len(hand.adapters) == len(model.layers) * len(ADAPTED)
    assert told[-1] == (12, 12) and len(told) == 12 and hand.seconds > 0
    a, b = hand.adapters["layers.0.qkv"]
    assert a.shape == (LearnConfig.rank, model.cfg.d_model) and b.shape == (3 * model.cfg.d_model, LearnConfig.rank)


def test_learning_stops_when_told_and_keeps_what_it_had():
    torch.manual_seed(0)
    model = HandwritingModel(preset("tiny"))
    lines = synthetic.data_lines(3)
    steps = []
    hand = learn(model, [(l.offsets, l.text) for l in lines], LearnConfig(steps=50), progress=lambda s, n: steps.append(s),
                 stop=lambda: len(steps) >= 3)
    assert hand.steps == 3 and hand.adapters


def test_writing_with_a_learnt_hand_uses_its_adapters_and_leaves_other_requests_as_they_were():
    model, learnt, _ = _learnt()
    writer = Writer(model)
    cfg = SampleConfig(seed=4, max_points_per_char=4)
    hand = Hand(learnt.style, learnt.word_gap, learnt.adapters, "ada")
    (plain,), = writer.write([Task(["hello there"], None, cfg)])
    (styled_only,), = writer.write([Task(["hello there"], Hand(learnt.style, learnt.word_gap), cfg)])
    (with_hand,), (beside,) = writer.write([Task(["hello there"], hand, cfg), Task(["hello there"], None, cfg)])
    assert not np.array_equal(with_hand.offsets, styled_only.offsets) or with_hand.offsets.shape != styled_only.offsets.shape
    np.testing.assert_allclose(beside.offsets, plain.offsets, atol=1e-5)   # batched beside a hand, as alone
    assert list(writer.adapted) == ["ada"]   # the adapted model is kept for the next request


def test_a_hand_file_is_small_says_what_it_is_without_torch_and_is_refused_by_other_weights(tmp_path):
    from inkscribe.model import handfile
    from inkscribe.model.write.hands import fingerprint, to_file

    model, learnt, _ = _learnt(steps=3)
    data = to_file(learnt, "Ada", fingerprint(model), ["hello world", "the quick fox", "jumps over", "lazy dogs"])
    assert len(data) < handfile.MAX_BYTES
    card = handfile.card(data)
    assert card["name"] == "Ada" and card["lines"] == 4 and card["held_out_nll"][1] <= card["held_out_nll"][0]
    writer = Writer(model)
    hand = writer.learnt(data)
    assert torch.allclose(hand.embedding, learnt.style, atol=1e-2) and hand.adapters.keys() == learnt.adapters.keys()
    (line,), = writer.write([Task(["hello"], hand, SampleConfig(seed=1, max_points_per_char=4))])
    assert line.strokes
    other = HandwritingModel(preset("tiny"))   # other weights
    for bad, said in [(data, "learnt on other weights"), (b"PK\x03\x04 not really", "not a hand file"),
                      (data[: len(data) // 2], "not a hand file")]:
        with pytest.raises(handfile.HandFileError, match=said):
            Writer(other if bad is data else model).learnt(bad)
