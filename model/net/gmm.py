"""The mixture density head: its parameters, likelihood, and sampling."""
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class Mixture:
    log_pi: torch.Tensor   # [..., M] log mixture weights (log-softmax)
    mu: torch.Tensor       # [..., M, 2]
    sigma: torch.Tensor    # [..., M, 2]
    rho: torch.Tensor      # [..., M]
    pen: torch.Tensor      # [...] pen-up logit


def split(params: torch.Tensor, temperature: float | torch.Tensor = 1.0,
          bias: float | torch.Tensor = 0.0) -> Mixture:
    """Apply the activations (softmax, exp, tanh, sigmoid-logit) to the raw head outputs.

    `bias` sharpens the distribution towards its most likely, most legible strokes
    (Graves 2013, section 5.4); `temperature` spreads it (>1) or narrows it (<1).
    Either may be a tensor [..., 1] giving each row its own value.
    """
    m = (params.shape[-1] - 1) // 6
    pi, mu_x, mu_y, s_x, s_y, rho, pen = params.split([m, m, m, m, m, m, 1], dim=-1)
    log_pi = F.log_softmax(pi * (1 + bias) / temperature, dim=-1)
    bias, temperature = (torch.as_tensor(v, device=params.device) for v in (bias, temperature))
    scale = torch.exp(-bias) * temperature ** 0.5
    sigma = torch.exp(torch.stack([s_x, s_y], -1).clamp(-7, 5)) * scale[..., None]
    return Mixture(log_pi, torch.stack([mu_x, mu_y], -1), sigma, torch.tanh(rho) * 0.999,
                   (pen / temperature).squeeze(-1))


def nll(mix: Mixture, target: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood of offsets [..., 2] under the mixture, per point, in nats."""
    z = (target[..., None, :] - mix.mu) / mix.sigma
    one_minus = 1 - mix.rho ** 2
    quad = (z[..., 0] ** 2 + z[..., 1] ** 2 - 2 * mix.rho * z[..., 0] * z[..., 1]) / one_minus
    log_p = (-math.log(2 * math.pi) - mix.sigma.log().sum(-1) - 0.5 * one_minus.log() - 0.5 * quad)
    return -torch.logsumexp(mix.log_pi + log_p, dim=-1)


def sample(mix: Mixture, uniform: torch.Tensor, normal: torch.Tensor) -> torch.Tensor:
    """One (dx, dy, pen) per leading index [...], from random draws uniform and normal [..., 2].

    The caller draws the random numbers, so it decides which stream each line uses.
    """
    shape = mix.pen.shape
    cdf = mix.log_pi.exp().cumsum(-1)
    k = (cdf < uniform[..., :1] * cdf[..., -1:]).sum(-1, keepdim=True).clamp(max=cdf.shape[-1] - 1)
    mu = mix.mu.gather(-2, k[..., None].expand(*shape, 1, 2)).squeeze(-2)
    sigma = mix.sigma.gather(-2, k[..., None].expand(*shape, 1, 2)).squeeze(-2)
    rho = mix.rho.gather(-1, k).squeeze(-1)
    dx = mu[..., 0] + sigma[..., 0] * normal[..., 0]
    dy = mu[..., 1] + sigma[..., 1] * (rho * normal[..., 0] + torch.sqrt(1 - rho ** 2) * normal[..., 1])
    pen = (uniform[..., 1] < torch.sigmoid(mix.pen)).float()
    return torch.stack([dx, dy, pen], -1)
