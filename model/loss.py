"""The training objective: stroke likelihood, pen and end states, and guided alignment."""
import torch
import torch.nn.functional as F

from . import gmm
from .network import HandwritingModel

ALIGN_SIGMA = 1.5   # characters: how far attention may stray from the guide unpenalised
PROGRESS_WEIGHT = 10.0  # advances are fractions of a character: scale their squared error up
# nats per point by which a line's own writer's style must beat another writer's before the
# style-contrast term stops pushing (the shipped model's margin is about 0.03).
CONTRAST_MARGIN = 0.1


def guided_attention(attention: torch.Tensor, align: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Attention mass placed far from each point's character (Tachibana et al. 2018).

    attention: [layers, B, S, L]; align: [B, S] character positions; mask: [B, S].
    """
    index = torch.arange(attention.shape[-1], device=attention.device)
    penalty = 1 - torch.exp(-((index - align[..., None]) ** 2) / (2 * ALIGN_SIGMA ** 2))
    return ((attention * penalty).sum(-1) * mask).sum((1, 2)).mean() / mask.sum()


def losses(model: HandwritingModel, batch: dict, style_contrast: float = 0.0) -> dict[str, torch.Tensor]:
    """Per-point mean of each term (nats), over the batch's real points.

    style_contrast: weight of a term that asks each line to be likelier under its own writer's
    style than under the next line's writer's, by CONTRAST_MARGIN nats per point. Likelihood
    alone lets the decoder read the writer from the strokes already written and leave the
    style vector nearly unused; a word written from scratch then carries little of the writer.
    """
    images, chars, inputs, reading = batch["images"], batch["chars"], batch["inputs"], batch["reading"]
    target, mask = batch["target"], batch["mask"]
    b = chars.shape[0]
    contrast = style_contrast > 0 and images is not None and b > 1
    if contrast:   # both halves in one pass, so that DDP sees a single forward
        images = torch.cat([images, images.roll(1, 0)])
        chars, inputs, reading, target, mask = (torch.cat([t, t]) for t in (chars, inputs, reading, target, mask))
    params, end_logits, advance, attention = model(chars, inputs, reading, images)
    mix = gmm.split(params)
    stroke = gmm.nll(mix, target[..., :2]) * mask
    pen = F.binary_cross_entropy_with_logits(mix.pen, target[..., 2], reduction="none") * mask
    terms = {}
    if contrast:
        per_line = (stroke + pen).sum(1) / mask.sum(1)
        terms["contrast"] = style_contrast * F.relu(CONTRAST_MARGIN - (per_line[b:] - per_line[:b])).mean()
        stroke, pen, end_logits, advance, attention, target, mask = (
            stroke[:b], pen[:b], end_logits[:b], advance[:b], attention[:, :b], target[:b], mask[:b])
    n = mask.sum()
    end = F.one_hot(batch["length"] - 1, target.shape[1]).float()
    return {
        "stroke": stroke.sum() / n,
        "pen": pen.sum() / n,
        "end": (F.binary_cross_entropy_with_logits(end_logits, end, reduction="none",
                                                   pos_weight=torch.tensor(20.0)) * mask).sum() / n,
        "align": guided_attention(attention, batch["align"], mask),
        "progress": PROGRESS_WEIGHT * ((advance - batch["advance"]) ** 2 * mask).sum() / n,
        **terms,
    }
