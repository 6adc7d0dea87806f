"""The speed issue's "a smaller decoder, distilled": the shipped network with two of its four
decoder layers kept (the rest as they are), trained on from there beside the real data, the
shipped stage's composed words and the shipped weights' own chosen words (`inkscribe distil`
output). First, without training, how likely each pair of kept layers finds held-out lines
(a few validation batches); then training with the pair given. Run from the repository root:

    OMP_NUM_THREADS=1 python docs/probes/shallow_decoder.py pairs
    OMP_NUM_THREADS=2 python docs/probes/shallow_decoder.py train 0 2 --words runs/distil4.npz --steps 1000

then `inkscribe export runs/shallow/checkpoint.pt -o runs/shallow.pt --ink-scale 1.22` and
`docs/probes/versions_legibility.py runs/shallow.pt:8`.
"""
import argparse
import itertools
from dataclasses import replace

import torch

from inkscribe.model import config
from inkscribe.model.config import TrainConfig
from inkscribe.model.data import iamondb
from inkscribe.model.evaluation.likelihood import validate
from inkscribe.model.net.checkpoint import export, load_model
from inkscribe.model.net.network import HandwritingModel
from inkscribe.model.samples.batches import Collator
from inkscribe.model.training.train import train

PRESET = "shallow"   # registered here only: the default preset with two decoder layers


def shallow(kept: tuple[int, ...]) -> HandwritingModel:
    """The shipped network with only the decoder layers `kept`."""
    full = load_model(None, "cpu")
    model = HandwritingModel(replace(full.cfg, decoder_layers=len(kept)))
    state = {k: v for k, v in full.state_dict().items() if not k.startswith("layers.")}
    for new, old in enumerate(kept):
        prefix = f"layers.{old}."
        state.update({f"layers.{new}." + k[len(prefix):]: v for k, v in full.state_dict().items() if k.startswith(prefix)})
    model.load_state_dict(state)
    model.card = dict(full.card)
    return model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("pairs", "train"))
    parser.add_argument("layers", type=int, nargs="*", default=[0, 2])
    parser.add_argument("--words", help="chosen words to train on beside the data (inkscribe distil)")
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()
    cfg = TrainConfig(valid_batches=6)
    if args.what == "pairs":
        valid = Collator(iamondb.load(cfg.data)["valid"], references=4)
        for kept in [(0, 1, 2, 3), *itertools.combinations(range(4), 2)]:
            with torch.no_grad():   # likelihoods only: no graphs kept for training
                figures = validate(shallow(kept), valid, cfg, torch.device("cpu"))
            print(f"layers {kept}: validation NLL {figures['valid_stroke'] + figures['valid_pen']:.3f} "
                  f"(strokes {figures['valid_stroke']:.3f}, pen {figures['valid_pen']:.3f})", flush=True)
        return
    kept = tuple(args.layers)
    config.PRESETS[PRESET] = replace(config.PRESETS["default"], decoder_layers=len(kept))
    export(shallow(kept), "runs/shallow-init.pt", {"data": "the shipped weights' decoder layers "
                                                    f"{', '.join(map(str, kept))}"})
    train(replace(TrainConfig(), preset=PRESET, init="runs/shallow-init.pt", out_dir="runs/shallow",
                  extra_words=args.words, composed_words=24000, rare_words=3, steps=args.steps, lr=1.5e-4,
                  warmup=50))


if __name__ == "__main__":
    main()
