"""The seed network: content encoder, dual-head style encoder, transformer decoder, GMM head.

Additions to the seed, all for alignment (which character the pen is writing):
- the decoder reads the pen's absolute position beside each previous offset;
- it reads a reading position (a character index, sinusoidally encoded in the same basis
  as the characters' positions, so cross-attention can find that character at once), and
  a `progress` unit predicts how far the reading position moves after each point;
- an `end` unit predicts the line's last point, so sampling stops by itself.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..page.charset import PAD, VOCAB_SIZE
from ..config import ModelConfig

IMAGE_SIZE = 64
# Besides each previous offset (dx, dy, pen), the decoder reads where the pen is: x tells
# how far along the text it is (which makes alignment learnable early), y keeps the
# baseline from drifting. Scaled so a full line spans a few units.
POSITION_SCALE = (0.05, 0.1)


def decoder_inputs(offsets: torch.Tensor) -> torch.Tensor:
    """Teacher-forcing inputs [B, S, 5] for targets [B, S, 3]: the previous offset and pen position."""
    previous = torch.cat([torch.zeros_like(offsets[:, :1]), offsets[:, :-1]], 1)
    return with_position(previous, previous[..., :2].cumsum(1))


def with_position(offsets: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
    return torch.cat([offsets, position * position.new_tensor(POSITION_SCALE)], -1)


def sinusoid(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal encoding of integer positions [..., n] -> [..., n, dim]."""
    freqs = torch.exp(torch.arange(0, dim, 2, device=positions.device) * (-math.log(10000.0) / dim))
    angles = positions.float()[..., None] * freqs
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class ContentEncoder(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.embed = nn.Embedding(VOCAB_SIZE, cfg.d_model, padding_idx=PAD)
        layer = nn.TransformerEncoderLayer(cfg.d_model, cfg.heads, cfg.ff, cfg.dropout,
                                           batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, cfg.encoder_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(cfg.d_model)

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        d = self.embed.embedding_dim
        x = self.embed(chars) * math.sqrt(d) + sinusoid(_positions(chars), d)
        return self.norm(self.layers(x, src_key_padding_mask=chars == PAD))


class StyleEncoder(nn.Module):
    """CNN over N reference images -> writer (global) and glyph (local) style, fused into one
    vector [B, d_model]."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        widths = [1, 32, 64, 128, 128]
        self.backbone = nn.Sequential(*[
            nn.Sequential(nn.Conv2d(a, b, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU())
            for a, b in zip(widths, widths[1:])
        ])
        self.writer_head = nn.Linear(widths[-1], cfg.style_dim)
        self.glyph_query = nn.Parameter(torch.randn(widths[-1]) / math.sqrt(widths[-1]))
        self.glyph_head = nn.Linear(widths[-1], cfg.style_dim)
        self.fuse_writer = nn.Linear(cfg.style_dim, cfg.d_model)
        self.fuse_glyph = nn.Linear(cfg.style_dim, cfg.d_model)
        # Used when no reference is given, and in training now and then, so that
        # the model also writes well without one.
        self.no_style = nn.Parameter(torch.zeros(cfg.d_model))

    def heads(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """[B, N, 1, 64, 64] -> writer [B, style_dim], glyph [B, style_dim]."""
        b = images.shape[0]
        feats = self.backbone(images.flatten(0, 1))                      # [B*N, C, 4, 4]
        feats = feats.flatten(2).transpose(1, 2).reshape(b, -1, feats.shape[1])   # every image's cells
        writer = self.writer_head(feats.mean(1))
        # Glyph head: attention pooling picks out the distinctive local shapes.
        weights = torch.softmax(feats @ self.glyph_query / math.sqrt(feats.shape[-1]), dim=1)
        glyph = self.glyph_head((weights[..., None] * feats).sum(1))
        return writer, glyph

    def toward(self, embedding: torch.Tensor, strength: float) -> torch.Tensor:
        """A style `strength` of the way from the model's own hand to `embedding` (1: as read;
        above 1, further towards the writer)."""
        return self.no_style + strength * (embedding - self.no_style)

    def forward(self, images: torch.Tensor | None, batch: int) -> torch.Tensor:
        if images is None or images.shape[1] == 0:
            return self.no_style.expand(batch, -1)
        writer, glyph = self.heads(images)
        return self.fuse_writer(writer) + self.fuse_glyph(glyph)


class DecoderLayer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.heads = cfg.heads
        d = cfg.d_model
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.self_out = nn.Linear(d, d)
        self.q = nn.Linear(d, d)
        self.kv = nn.Linear(d, 2 * d)
        self.cross_out = nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, cfg.ff), nn.GELU(), nn.Linear(cfg.ff, d))
        self.drop = nn.Dropout(cfg.dropout)
        # Cross-attention starts out focused on the reading position: a Gaussian prior
        # over characters, narrow for some heads and wide for others, its width learnt.
        self.log_reach = nn.Parameter(torch.linspace(math.log(0.75), math.log(3.0), cfg.heads))

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, s, d = x.shape
        return x.view(b, s, self.heads, d // self.heads).transpose(1, 2)

    def memory(self, content: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The text's keys and values for cross-attention: contiguous once here, not copied by
        every decoding step's products."""
        k, v = self.kv(content).chunk(2, dim=-1)
        return self._split(k).contiguous(), self._split(v).contiguous()

    def _read(self, x, reading, memory, content_mask):
        """Cross-attention over the text, held near the reading position: what it adds to x,
        and its head-averaged weights [B, S, L]."""
        b, s, d = x.shape
        q = self._split(self.q(self.norm2(x)))
        mk, mv = memory
        scores = q @ mk.transpose(-1, -2) / math.sqrt(q.shape[-1])
        distance = torch.arange(mk.shape[2], device=x.device) - reading[..., None]         # [B, S, L]
        scores = scores - distance[:, None] ** 2 / (2 * torch.exp(2 * self.log_reach))[:, None, None]
        scores = scores.masked_fill(~content_mask[:, None], float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return self.drop(self.cross_out((weights @ mv).transpose(1, 2).reshape(b, s, d))), weights.mean(1)

    def forward(self, x, reading, memory, content_mask, cache=None):
        """reading: [B, S] reading positions; content_mask: [B, S or 1, L] bool, True where a
        character may be attended. cache: None for a full causal pass, or a dict {"capacity":
        most steps} that comes to hold this layer's past keys and values, extended in place
        (incremental decoding). Returns the new x and the head-averaged cross-attention [B, S, L].
        """
        b, s, d = x.shape
        q, k, v = (self._split(t) for t in self.qkv(self.norm1(x)).chunk(3, dim=-1))
        if cache is not None:
            # Keys and values go into buffers sized for the whole sequence: growing them
            # by concatenation would copy the past at every step.
            if "k" not in cache:
                cache.update(k=k.new_empty(*k.shape[:2], cache["capacity"], k.shape[3]),
                             v=v.new_empty(*v.shape[:2], cache["capacity"], v.shape[3]), n=0)
            n = cache["n"]
            cache["k"][:, :, n:n + s], cache["v"][:, :, n:n + s] = k, v
            cache["n"] = n + s
            k, v = cache["k"][:, :, :n + s], cache["v"][:, :, :n + s]
        if cache is not None and s == 1:
            # One step of decoding: two small products beat the fused kernel on a CPU (about
            # 1.4x at a word's length, 2x for wide batches).
            attn = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]), -1) @ v
        else:
            attn = F.scaled_dot_product_attention(q, k, v, is_causal=s > 1,
                                                  dropout_p=self.drop.p if self.training else 0.0)
        x = x + self.drop(self.self_out(attn.transpose(1, 2).reshape(b, s, d)))
        added, weights = self._read(x, reading, memory, content_mask)
        x = x + added
        x = x + self.drop(self.ff(self.norm3(x)))
        return x, weights


class HandwritingModel(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.content = ContentEncoder(cfg)
        self.style = StyleEncoder(cfg)
        self.point_in = nn.Linear(5, cfg.d_model)
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.decoder_layers))
        self.norm = nn.LayerNorm(cfg.d_model)
        self.gmm = nn.Linear(cfg.d_model, cfg.gmm_outputs)
        self.end = nn.Linear(cfg.d_model, 1)
        self.progress = nn.Linear(cfg.d_model, 1)

    def encode(self, chars, style):
        """Everything the decoder needs that does not change while writing.

        style: [B, d_model] from `self.style`, computed apart so that it can be computed once
        per writer and shared by many lines.
        """
        content = self.content(chars)
        # Positions again, after the encoder's norm, so keys carry them as plainly as queries do.
        content = content + sinusoid(_positions(chars), self.cfg.d_model)
        return {"style": style, "memory": [layer.memory(content) for layer in self.layers], "chars_mask": chars != PAD}

    def decode(self, points, reading, context, window=None, cache=None):
        """points: [B, S, 5] from `decoder_inputs`/`with_position`; reading: [B, S] reading
        positions (character index for each point). window: optional [B, S, L] bool restricting
        cross-attention (monotonic sampling).

        Returns GMM parameters [B, S, 121], end logits [B, S], predicted advance of the
        reading position [B, S] and the cross-attention of every layer [layers, B, S, L].
        """
        # No encoding of the step index: causal attention knows the order, and a second
        # sinusoid in the characters' basis would blur the reading position's match.
        x = self.point_in(points) + sinusoid(reading, self.cfg.d_model) + context["style"][:, None]
        mask = context["chars_mask"][:, None]
        if window is not None:
            mask = mask & window
        attention = []
        for i, layer in enumerate(self.layers):
            x, a = layer(x, reading, context["memory"][i], mask, None if cache is None else cache[i])
            attention.append(a)
        x = self.norm(x)
        return self.gmm(x), self.end(x).squeeze(-1), self.progress(x).squeeze(-1), torch.stack(attention)

    def forward(self, chars, points, reading, images=None):
        return self.decode(points, reading, self.encode(chars, self.style(images, chars.shape[0])))


def _positions(chars: torch.Tensor) -> torch.Tensor:
    """Each character's position [1, L]."""
    return torch.arange(chars.shape[1], device=chars.device)[None]
