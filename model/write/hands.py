"""A hand learnt from a person's own writing: low-rank adapters on the decoder's layers and a
style vector, fitted to a few lines they wrote and what the lines say.

Speaker adaptation in speech synthesis learns a voice this way from a minute of speech
(AdaSpeech: a few thousand parameters a voice). The lines, and the words cut from them, are
the training data; one line is held out, and the adapters it finds likeliest are kept.
Words the model writes in its own hand are replayed beside them, unstyled, so that the
letters the person never wrote are not forgotten.
"""
import copy
import hashlib
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

from .. import handfile
from ..config import DataConfig, LearnConfig
from ..data.iamondb import Line
from ..data.segments import WORD_SPACE, split_words, word_gaps
from ..data.strokes import normalise as normalise_ink, simplify, to_offsets, to_strokes
from ..net.loss import losses
from ..net.network import HandwritingModel
from ..net.sampling import SampleConfig, generate
from ..samples.batches import Collator
from ..seeds import derive
from ..style.references import drawing, pick_tiles, read_writing

# The decoder's linear layers that learn a hand: attention over the pen's past and the text,
# and the feed-forward block.
ADAPTED = ("qkv", "self_out", "q", "kv", "cross_out", "ff.0", "ff.2")
# Words the model writes in its own hand, replayed while it learns one: every small letter.
REPLAY = ("the quick brown fox jumps over lazy dogs and a vexed judge "
          "quickly waltzed with mad boxing wizards Pack my box").split()


class LowRank(nn.Module):
    """A frozen linear layer plus a learnt low-rank change: W x + B A x (B starts at zero)."""

    def __init__(self, base: nn.Linear, rank: int):
        super().__init__()
        self.base = base
        self.a = nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x):
        return self.base(x) + (x @ self.a.T) @ self.b.T


@dataclass
class LearntHand:
    """What a hand is: the adapters' factors per layer, the style vector, the word gap; and how
    well it was learnt (the held-out line's likelihood, nats a point, before and after)."""
    adapters: dict[str, tuple[torch.Tensor, torch.Tensor]]
    style: torch.Tensor
    word_gap: float
    nll_before: float | None = None
    nll_after: float | None = None
    seconds: float = 0.0
    steps: int = 0


def prepared(strokes: list[np.ndarray]) -> np.ndarray:
    """A written line's pen strokes (any unit, y down, in the order written) as the data's
    lines are prepared: its ink LINE_HEIGHT tall, simplified, as offsets."""
    data = DataConfig()
    return to_offsets(simplify(normalise_ink([np.asarray(s, np.float32) for s in strokes if len(s)]),
                               data.epsilon, data.max_step))


def _adapt(model: HandwritingModel, rank: int) -> dict[str, LowRank]:
    """Wrap each adapted layer of the decoder in a LowRank, in place; the wrappers by name."""
    found = {}
    for i, layer in enumerate(model.layers):
        for name in ADAPTED:
            parent, _, leaf = (f".{name}").rpartition(".")
            owner = layer.get_submodule(parent.lstrip(".")) if parent else layer
            wrapped = LowRank(getattr(owner, leaf), rank)
            setattr(owner, leaf, wrapped)
            found[f"layers.{i}.{name}"] = wrapped
    return found


def with_hand(model: HandwritingModel, adapters: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> HandwritingModel:
    """A copy of the model with a hand's adapters merged into its weights: it writes as fast as
    the model does."""
    adapted = copy.deepcopy(model)
    with torch.no_grad():
        for name, (a, b) in adapters.items():
            adapted.get_submodule(name).weight += (b @ a).to(adapted.get_submodule(name).weight)
    return adapted.eval()


def _nll(model, collate: Collator, indices: list[int], style: torch.Tensor, rng) -> float:
    with torch.no_grad():
        batch = collate(indices, rng, with_style=False)
        return float(losses(model, batch, style.expand(len(indices), -1))["stroke"])


def learn(model: HandwritingModel, lines: list[tuple[np.ndarray, str]], cfg: LearnConfig = LearnConfig(),
          progress: Callable[[int, int], None] | None = None, stop: Callable[[], bool] | None = None,
          seed: int = 0) -> LearntHand:
    """A hand from `lines`: each a written line's offsets (as `prepared` makes them) and its
    text. The last line is held out where there are two or more. `progress(step, steps)` is
    told as it goes; `stop()` ends it early, keeping the best adapters so far."""
    started = time.perf_counter()
    rng = np.random.default_rng(derive(seed, "learn"))
    torch.manual_seed(derive(seed, "adapters"))
    base = model.eval()
    device = next(base.parameters()).device
    whole = [Line(f"hand-{k}", "hand", text, offsets) for k, (offsets, text) in enumerate(lines)]
    held = whole[-1:] if len(whole) > 1 else []
    trained = whole[:len(whole) - len(held)]
    words = [Line(f"{line.id}#{j}", "hand", w, o) for line in trained for j, (w, o) in
             enumerate(split_words(line.offsets, line.text) or [])]
    collate = Collator(trained + words, references=1, reading_drift=1.0, whole_lines=trained)
    judged = Collator(held, references=1)   # the held-out line, read where the guide says
    held_index = [0] if held else []
    train_index = list(range(len(trained) + len(words)))

    with torch.no_grad():
        tiles = pick_tiles(read_writing(drawing([s for line in whole for s in to_strokes(line.offsets)])), 16)
        read = base.style(torch.from_numpy(tiles)[None, :, None].to(device), 1)[0] if len(tiles) else base.style.no_style
    replay = _replay(base, rng)
    replayed = Collator(replay, references=1, reading_drift=1.0)

    student = copy.deepcopy(base)
    for p in student.parameters():
        p.requires_grad_(False)
    wrappers = _adapt(student, cfg.rank)
    style = nn.Parameter(read.detach().clone())
    params = [p for w in wrappers.values() for p in (w.a, w.b)] + [style]
    optimizer = torch.optim.Adam(params, lr=cfg.lr)
    before = _nll(student, judged, held_index, style, rng) if held_index else None
    best, best_nll, done = (_factors(wrappers), style.detach().clone()), before, 0
    for step in range(1, cfg.steps + 1):
        if (stop is not None and stop()) or time.perf_counter() - started > cfg.time_limit_s:
            break
        student.train()
        pick = list(rng.choice(train_index, size=min(cfg.batch, len(train_index)), replace=False))
        batch = collate(pick, rng, with_style=False)
        loss = _total(losses(student, batch, style.expand(len(pick), -1)))
        if replay:
            again = replayed(list(rng.choice(len(replay), size=min(cfg.batch, len(replay)), replace=False)), rng,
                             with_style=False)
            neutral = base.style.no_style.expand(len(again["chars"]), -1)
            loss = loss + cfg.replay_weight * _total(losses(student, again, neutral))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        student.eval()
        if held_index and (step % cfg.check_every == 0 or step == cfg.steps):
            nll = _nll(student, judged, held_index, style, rng)
            if nll < best_nll:
                best, best_nll = (_factors(wrappers), style.detach().clone()), nll
        elif not held_index:
            best = (_factors(wrappers), style.detach().clone())
        done = step
        if progress is not None:
            progress(step, cfg.steps)
    found = [word_gaps(line.offsets, line.text) for line in whole]
    gaps = np.concatenate([g for g in found if g is not None and len(g)] or [np.zeros(0)])
    return LearntHand(*best, float(np.median(gaps)) if len(gaps) else WORD_SPACE, before, best_nll,
                      time.perf_counter() - started, done)


def _total(terms: dict[str, torch.Tensor]) -> torch.Tensor:
    """What a hand is learnt by: the strokes, the pen, where words end and the reading position."""
    return terms["stroke"] + terms["pen"] + terms["end"] + terms["progress"]


def _factors(wrappers: dict[str, LowRank]) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    return {name: (w.a.detach().clone(), w.b.detach().clone()) for name, w in wrappers.items()}


@torch.no_grad()
def _replay(model: HandwritingModel, rng: np.random.Generator) -> list[Line]:
    """The model's own hand, for the letters a person's few lines leave out."""
    texts = list(REPLAY)
    written = generate(model, texts, None, [SampleConfig(seed=int(rng.integers(2**31))) for _ in texts])
    return [Line(f"replay-{k}", "replay", t, o) for k, (t, o) in enumerate(zip(texts, written))]


def fingerprint(model: HandwritingModel) -> str:
    """Which weights a hand was learnt on: a hash of them, whatever file they came from."""
    digest = hashlib.sha256()
    for name, value in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(value.detach().float().cpu().numpy().tobytes())
    return digest.hexdigest()[:16]


def to_file(hand: LearntHand, name: str, weights: str, texts: list[str]) -> bytes:
    """A hand file: its numbers in half precision, and what it is; `weights`: the fingerprint
    of those it was learnt on."""
    numbers = {"style": hand.style.half().cpu().numpy()}
    for layer, (a, b) in hand.adapters.items():
        numbers[f"{layer}/a"], numbers[f"{layer}/b"] = a.half().cpu().numpy(), b.half().cpu().numpy()
    out = io.BytesIO()
    np.savez_compressed(out, **numbers)
    return handfile.pack({"name": name, "weights": weights, "word_gap": hand.word_gap, "lines": len(texts),
                          "texts": texts, "held_out_nll": [hand.nll_before, hand.nll_after],
                          "seconds": round(hand.seconds, 1), "steps": hand.steps,
                          "learnt": "low-rank adapters on the decoder and the style vector"}, out.getvalue())


def from_file(data: bytes, model: HandwritingModel, weights: str, where: str = "the hand file") -> LearntHand:
    """A hand file's hand, for this model, whose fingerprint is `weights`; handfile.HandFileError
    where it is not one, or was learnt on other weights."""
    said = handfile.card(data, where)
    if said.get("weights") != weights:
        raise handfile.HandFileError(f"{where} (the hand “{said.get('name')}”) was learnt on other weights than these "
                                     f"({said.get('weights')}, not {weights}): learn it again from its lines")
    try:
        numbers = np.load(io.BytesIO(handfile.arrays(data, where)), allow_pickle=False)
        device = next(model.parameters()).device
        tensor = lambda key: torch.from_numpy(numbers[key].astype(np.float32)).to(device)
        adapters = {key[:-2]: (tensor(key), tensor(key[:-2] + "/b")) for key in numbers.files if key.endswith("/a")}
        style = tensor("style")
    except (ValueError, KeyError, OSError) as e:
        raise handfile.HandFileError(f"{where} is damaged: {e}") from None
    fits = bool(adapters) and all(_names_a_layer(model, k) for k in adapters) and style.shape == (model.cfg.d_model,) \
        and all(a.shape[1] == model.get_submodule(k).in_features and b.shape[0] == model.get_submodule(k).out_features
                for k, (a, b) in adapters.items())
    if not fits:
        raise handfile.HandFileError(f"{where} does not fit these weights: learn the hand again")
    return LearntHand(adapters, style, float(said.get("word_gap", WORD_SPACE)))


def _names_a_layer(model: HandwritingModel, name: str) -> bool:
    try:
        return isinstance(model.get_submodule(name), nn.Linear)
    except AttributeError:
        return False

