"""Held-out likelihood: how probable the network finds real lines of writers it never
trained on, the figure training validates with and eval reports."""
import numpy as np
import torch

from ..config import TrainConfig
from ..samples.batches import Collator, batches
from ..net.loss import losses


def on_device(batch: dict, device) -> dict:
    return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


@torch.no_grad()
def validate(model, collate: Collator, cfg: TrainConfig, device) -> dict:
    """Held-out likelihood on a fixed set of validation batches, with style from the writer;
    and how much less likely the strokes are with another writer's style (the next line's in
    the batch): how much the network reads the style, which writing in a writer's hand needs."""
    model.eval()
    rng = np.random.default_rng(0)
    total = {"stroke": 0.0, "pen": 0.0, "other": 0.0, "points": 0, "lines": 0}
    for indices in batches(collate.lines, cfg.batch_points, rng)[: cfg.valid_batches]:
        batch = on_device(collate(indices, rng), device)
        out = losses(model, batch)
        n = int(batch["mask"].sum())
        total["stroke"] += float(out["stroke"]) * n
        total["pen"] += float(out["pen"]) * n
        total["other"] += float(losses(model, {**batch, "images": batch["images"].roll(1, 0)})["stroke"]) * n
        total["points"] += n
        total["lines"] += len(indices)
    model.train()
    points = total["points"]
    return {"valid_stroke": total["stroke"] / points, "valid_pen": total["pen"] / points,
            "valid_line_nll": (total["stroke"] + total["pen"]) / total["lines"],
            "valid_style_gain": (total["other"] - total["stroke"]) / points}
