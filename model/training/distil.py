"""Expert iteration: the model's own most legible words, as more words to train on.

The writer keeps the best of a few versions of each word, as the stroke reader reads them.
Training on such chosen words, beside the real data, moves the model itself towards what
the reader chooses. Words are written in the style of their own writer (from other lines
of the same form), at a low bias so that they stay varied, and only the versions the
reader reads almost without fault are kept.
"""
import numpy as np
import torch
from tqdm import tqdm

from ..samples.batches import Collator
from ..config import DistilConfig
from ..data.iamondb import Line
from ..net.network import HandwritingModel
from ..critics.reader import Reader, misreading
from ..net.sampling import SampleConfig, generate, guard
from ..seeds import derive
from ..data.segments import with_words


@torch.no_grad()
def chosen_words(model: HandwritingModel, reader: Reader, train: list[Line], cfg: DistilConfig) -> list[Line]:
    """cfg.words words cut from the training lines (capitals and digits as often as the caps
    run trains them), each written cfg.versions times in its writer's style; the version the
    reader finds likeliest to say the word, where it reads it at most cfg.max_misreading
    nats per letter. Ids are the word's with "~" appended, so its style pictures still come
    from its writer's other lines."""
    model.eval()
    words = with_words(train, cfg.rare_words)[len(train):]
    collate = Collator(words, cfg.references, whole_lines=train)
    rng = np.random.default_rng(cfg.seed)
    picked = rng.choice(len(words), min(cfg.words, len(words)), replace=False)
    picked = picked[np.argsort([len(words[i].text) for i in picked], kind="stable")]   # like lengths together
    kept = []
    for start in tqdm(range(0, len(picked), cfg.chunk), desc="writing words", unit="chunk"):
        chunk = picked[start:start + cfg.chunk]
        images = torch.from_numpy(np.stack([collate.style_tiles(i, rng) for i in chunk]))[:, :, None]
        style = model.style.toward(model.style(images, len(chunk)), cfg.strength).repeat_interleave(cfg.versions, 0)
        texts = [words[i].text for i in chunk for _ in range(cfg.versions)]
        configs = [SampleConfig(bias=cfg.bias, seed=derive(cfg.seed, start + k // cfg.versions, k % cfg.versions))
                   for k in range(len(texts))]
        written = generate(model, texts, style, configs)
        scores = misreading(reader, written, texts)
        for j, i in enumerate(chunk):
            ended = [(scores[k], written[k]) for k in range(j * cfg.versions, (j + 1) * cfg.versions)
                     if len(written[k]) < guard(texts[k], configs[k])]
            if ended:
                score, best = min(ended, key=lambda e: e[0])
                if score <= cfg.max_misreading:
                    kept.append(Line(words[i].id + "~", words[i].form, words[i].text, best.astype(np.float32)))
    return kept
