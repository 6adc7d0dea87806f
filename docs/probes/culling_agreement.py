"""How often halving a word's versions part way keeps the version the reader would choose
among all of them: every version written whole, then the cull replayed on what was
written (the reader scoring each version's ink so far against the text read so far, as
model/net/sampling.py Culling does), for schedules of looks. The reader is the writer's own
selector, not a judge: this says whether the prefix readings predict its final choice. Run
from the repository root (the letter in docs/letter-a5.txt, 8 versions, two seeds):

    OMP_NUM_THREADS=1 python docs/probes/culling_agreement.py
"""
from pathlib import Path

import numpy as np
import torch

from inkscribe.model.config import ReaderConfig
from inkscribe.model.critics.reader import load_reader, misreading
from inkscribe.model.data.segments import words_of
from inkscribe.model.net.checkpoint import load_model
from inkscribe.model.net.sampling import SampleConfig, generate, guard
from inkscribe.model.page.charset import normalise, split_marks
from inkscribe.model.write.writer import seeded

VERSIONS = 8
SCHEDULES = {"halved at 1/3 and 2/3 (shipped probe)": (1 / 3, 2 / 3), "halved at 2/3 only": (2 / 3,),
             "halved at 1/2 only": (1 / 2,)}


def replay(made, positions, texts, reader, at, every=4, current=True):
    """The rows a cull at fractions `at` would keep, given every version written whole."""
    n = len(texts[0])
    alive = list(range(len(made)))
    stage = 0
    for step in range(every - 1, max(map(len, made)), every):
        live = [k for k in alive if len(made[k]) > step + 1]
        if stage >= len(at) or len(live) < 2:
            continue
        reading = {k: positions[k][step + 1] for k in live}
        if np.median([reading[k] / max(n, 1) for k in live]) < at[stage]:
            continue
        read = [texts[k][:int(round(reading[k])) + (1 if current else 0)] or texts[k][:1] for k in live]
        scores = misreading(reader, [made[k][:step + 1] for k in live], read)
        order = [live[i] for i in np.argsort(scores, kind="stable")]
        alive = [k for k in alive if k not in order[(len(live) + 1) // 2:]]
        stage += 1
    return alive


def main() -> None:
    torch.set_num_threads(1)
    model, reader = load_model(None, "cpu"), load_reader(Path(ReaderConfig.path))
    text = Path("docs/letter-a5.txt").read_text(encoding="utf-8").split("\n")
    words = [split_marks(normalise(w))[0] for line in text for w in words_of(line)[0]]
    words = [w for w in words if len(w) >= 3]
    kept = {name: [] for name in SCHEDULES}
    worse = {name: [] for name in SCHEDULES}
    for seed in (0, 1):
        cfg = SampleConfig(seed=seed)
        for j, word in enumerate(words):
            versions = [seeded(cfg, 0, j, v) for v in range(VERSIONS)]
            positions = []
            made = generate(model, [word] * VERSIONS, None, versions, positions)
            scores = misreading(reader, made, [word] * VERSIONS)
            rank = lambda k: (len(made[k]) >= guard(word, cfg), scores[k])
            best = min(range(VERSIONS), key=rank)
            for name, at in SCHEDULES.items():
                alive = replay(made, positions, [word] * VERSIONS, reader, at)
                chosen = min(alive, key=rank)
                kept[name].append(chosen == best)
                worse[name].append(scores[chosen] - scores[best])
    print(f"{len(words)} words of 3 letters or more, seeds 0 and 1, {VERSIONS} versions")
    for name in SCHEDULES:
        print(f"{name}: the reader's choice among all kept {np.mean(kept[name]):.2f} of the time; "
              f"the choice reads {np.mean(worse[name]):.3f} nats a letter worse on average")


if __name__ == "__main__":
    main()
