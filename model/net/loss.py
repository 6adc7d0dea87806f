"""The training objective: stroke likelihood, pen and end states, and guided alignment."""
import torch
import torch.nn.functional as F

from ..net import gmm
from ..net.network import HandwritingModel

ALIGN_SIGMA = 1.5   # characters: how far attention may stray from the guide unpenalised
PROGRESS_WEIGHT = 10.0  # advances are fractions of a character: scale their squared error up


def guided_attention(attention: torch.Tensor, align: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Attention mass placed far from each point's character (Tachibana et al. 2018).

    attention: [layers, B, S, L]; align: [B, S] character positions; mask: [B, S].
    """
    index = torch.arange(attention.shape[-1], device=attention.device)
    penalty = 1 - torch.exp(-((index - align[..., None]) ** 2) / (2 * ALIGN_SIGMA ** 2))
    return ((attention * penalty).sum(-1) * mask).sum((1, 2)).mean() / mask.sum()


def losses(model: HandwritingModel, batch: dict, style: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Per-point mean of each term (nats), over the batch's real points; with the style read
    from the batch's images, or `style` [B, d_model] where given (a hand being learnt)."""
    if style is None:
        params, end_logits, advance, attention = model(batch["chars"], batch["inputs"], batch["reading"],
                                                       batch["images"])
    else:
        params, end_logits, advance, attention = model.decode(batch["inputs"], batch["reading"],
                                                              model.encode(batch["chars"], style))
    mask = batch["mask"]
    n = mask.sum()
    target = batch["target"]
    mix = gmm.split(params)
    end = F.one_hot(batch["length"] - 1, target.shape[1]).float()
    return {
        "stroke": (gmm.nll(mix, target[..., :2]) * mask).sum() / n,
        "pen": (F.binary_cross_entropy_with_logits(mix.pen, target[..., 2], reduction="none") * mask).sum() / n,
        "end": (F.binary_cross_entropy_with_logits(end_logits, end, reduction="none",
                                                   pos_weight=torch.tensor(20.0)) * mask).sum() / n,
        "align": guided_attention(attention, batch["align"], mask),
        "progress": PROGRESS_WEIGHT * ((advance - batch["advance"]) ** 2 * mask).sum() / n,
    }
