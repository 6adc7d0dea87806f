"""Style as a prompt: the writer's own pen strokes, read before the words written in their hand."""
from pathlib import Path

import numpy as np
import pytest
import torch

import synthetic
from inkscribe.model.samples.batches import Collator
from inkscribe.model.config import ReaderConfig, preset
from inkscribe.model.critics.reader import load_reader
from inkscribe.model.net.loss import losses
from inkscribe.model.net.network import POSITION_SCALE, HandwritingModel, decoder_inputs, prompt_inputs
from inkscribe.model.style.references import drawing
from inkscribe.model.net.sampling import SampleConfig, pad_chars
from inkscribe.model.data.segments import WORD_SPACE, source_line, with_words
from inkscribe.model.data.strokes import to_strokes
from inkscribe.model.write.writer import PROMPT_POINTS, Hand, Task, Writer, prompt_of


def prompted_model() -> HandwritingModel:
    torch.manual_seed(0)
    model = HandwritingModel(preset("tiny")).eval()
    with torch.no_grad():
        model.prompt_mark.normal_()   # as if it had learnt to read prompts
    return model


def test_a_prompt_read_once_then_step_by_step_gives_what_one_full_pass_gives(lines):
    model = prompted_model()
    points = prompt_inputs(torch.from_numpy(lines[1].offsets[:30])[None])
    said, said_at = pad_chars([lines[1].text], "cpu"), torch.linspace(0, 4, 30)[None]
    target = torch.from_numpy(lines[0].offsets[:12])[None]
    chars = pad_chars([lines[0].text], "cpu")
    reading = torch.linspace(0, 3, 12)[None]
    with torch.no_grad():
        context = model.encode(chars, model.style(None, 1))
        prompt = model.read_prompt(said, points, said_at)
        full = model.decode(decoder_inputs(target), reading, context, prompt=prompt)[0]
        # Padded on the left, as training batches are: the same.
        padded = model.decode(decoder_inputs(target), reading, context, prompt=model.read_prompt(
            said, torch.cat([torch.zeros(1, 5, 5), points], 1), torch.cat([torch.zeros(1, 5), said_at], 1),
            torch.arange(35)[None] >= 5))[0]
        cache = [{"capacity": 20, "prefix": kv} for kv in model.prefix(prompt, context["style"])]
        inputs = decoder_inputs(target)
        steps = torch.cat([model.decode(inputs[:, i:i + 1], reading[:, i:i + 1], context, cache=cache)[0]
                           for i in range(12)], 1)
        unprompted = model.decode(decoder_inputs(target), reading, context)[0]
    assert torch.allclose(steps, full, atol=1e-4) and torch.allclose(padded, full, atol=1e-4)
    assert not torch.allclose(unprompted, full, atol=1e-2)   # the prompt is read


def test_training_prompts_come_from_another_line_of_the_same_writer(lines):
    words = with_words(lines)
    collate = Collator(words, 2, whole_lines=lines, prompts=1.0, prompt_points=40)
    rng = np.random.default_rng(0)
    for index, sample in enumerate(words):
        prompt, said = collate.prompt(index, rng)
        assert 0 < len(prompt) <= 40
        # Its strokes and words are found in one of the writer's other lines, never the sample's own.
        mates = [l for l in lines if l.form == sample.form and l.id != source_line(sample.id)
                 and said in l.text]
        shape = np.diff(to_strokes(prompt)[0], axis=0)
        assert any(any(len(s) >= len(shape) + 1 and np.allclose(np.diff(s, axis=0)[:len(shape)], shape, atol=1e-4)
                       for s in [st[k:] for st in to_strokes(m.offsets) for k in range(len(st))]) for m in mates)
    batch = collate(list(range(4)), rng)
    assert batch["prompt"].shape[:2] == batch["prompt_mask"].shape == batch["prompt_reading"].shape
    assert batch["prompt_mask"][:, -1].all() and (batch["prompt_chars"][:, 0] > 0).all()
    # The sample goes on from its prompt as a line's next word does: its text read after the
    # prompt's and a space, its pen a space right of the prompt's ink.
    said_length = (batch["prompt_chars"] > 1).sum(1).float()   # without padding and the end mark
    assert torch.equal(batch["prompt_offset"], said_length + 1)
    first = batch["inputs"][:, 0, 3:] / torch.tensor(POSITION_SCALE)
    rightmost = torch.stack([(batch["prompt"][k, :, 3] / POSITION_SCALE[0]).max() for k in range(4)])
    assert torch.allclose(first[:, 0], rightmost + WORD_SPACE, atol=1e-3) and torch.allclose(first[:, 1], torch.zeros(4))


def test_with_its_own_history_hidden_a_sample_still_reads_its_prompt(lines):
    torch.manual_seed(0)
    model = HandwritingModel(preset("tiny")).eval()
    words = with_words(lines)
    batch = Collator(words, 2, whole_lines=lines, prompts=1.0, prompt_points=40,
                     history_dropout=0.5)(list(range(4)), np.random.default_rng(0))
    assert all(torch.isfinite(v) for v in losses(model, batch).values())
    hidden = {**batch, "history_keep": torch.zeros_like(batch["history_keep"])}
    moved = {**hidden, "prompt": hidden["prompt"] + 3.0}
    assert not torch.allclose(losses(model, hidden)["stroke"], losses(model, moved)["stroke"])


def test_strokes_drawn_with_a_tablet_become_a_prompt_of_their_first_words_and_what_the_reader_reads():
    rng = np.random.default_rng(3)
    drawn = [s * 37 + [500, 900] for s in synthetic.strokes_for("pack my box with five dozen jugs", rng)]
    reader = load_reader(Path(ReaderConfig.path))
    prompt, said = prompt_of(drawn, reader)
    assert 0 < len(prompt) <= PROMPT_POINTS and said
    assert len(said.split()) == len(to_strokes(prompt))   # a word read for each word drawn (one stroke each)
    height = np.ptp(np.cumsum(prompt[:, 1]))
    assert 5 < height < 20   # as tall as training's lines, whatever unit it was drawn in
    assert prompt_of([], reader) is None


def test_words_written_after_a_prompt_follow_it_and_the_prompt_is_read_once_per_request(lines, monkeypatch):
    writer = Writer(prompted_model(), reader=load_reader(Path(ReaderConfig.path)))
    strokes = to_strokes(synthetic.data_lines()[2].offsets)
    hand = writer.style([drawing(strokes)], strokes=strokes)
    assert hand.prompt is not None
    calls = []
    monkeypatch.setattr(writer.model, "prefix", lambda *a, _f=writer.model.prefix: calls.append(1) or _f(*a))
    sample = SampleConfig(seed=1, versions=1)
    text = ["hello world the quick fox"]
    ((prompted,),), ((again,),) = writer.write([Task(text, hand, sample)]), writer.write([Task(text, hand, sample)])
    assert len(calls) == 2   # once per request, however many words
    unprompted = writer.write([Task(text, Hand(hand.embedding, hand.word_gap), sample)])[0][0]
    assert np.array_equal(prompted.offsets, again.offsets)
    assert not np.array_equal(prompted.offsets, unprompted.offsets)


def test_weights_that_never_learnt_prompts_are_not_prompted():
    writer = Writer(HandwritingModel(preset("tiny")).eval(), reader=load_reader(Path(ReaderConfig.path)))
    strokes = to_strokes(synthetic.data_lines()[2].offsets)
    assert not writer.prompts and writer.style([drawing(strokes)], strokes=strokes).prompt is None
