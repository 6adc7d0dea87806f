"""The seed network: content encoder, dual-head style encoder, transformer decoder, GMM head.

Additions to the seed, all for alignment (which character the pen is writing):
- the decoder reads the pen's absolute position beside each previous offset;
- it reads a reading position (a character index, sinusoidally encoded in the same basis
  as the characters' positions, so cross-attention can find that character at once), and
  a `progress` unit predicts how far the reading position moves after each point;
- an `end` unit predicts the line's last point, so sampling stops by itself;
- a prompt: the writer's own pen strokes and what they say, read before the strokes to
  write as an earlier line of theirs (in context, as a zero-shot voice is prompted with a
  recording of the speaker): prompt points read their own text, and every point after them
  sees them all.
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


def decoder_inputs(offsets: torch.Tensor, start: torch.Tensor | None = None) -> torch.Tensor:
    """Teacher-forcing inputs [B, S, 5] for targets [B, S, 3]: the previous offset and pen
    position (from `start` [B, 2] where given: after a prompt)."""
    previous = torch.cat([torch.zeros_like(offsets[:, :1]), offsets[:, :-1]], 1)
    position = previous[..., :2].cumsum(1)
    return with_position(previous, position if start is None else position + start[:, None])


def with_position(offsets: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
    return torch.cat([offsets, position * position.new_tensor(POSITION_SCALE)], -1)


def positions(chars: torch.Tensor, offset: torch.Tensor | None = None) -> torch.Tensor:
    """Each character's position [B or 1, L]: from `offset` [B] where the text goes on
    after a prompt's, as a line's later words do."""
    index = torch.arange(chars.shape[1], device=chars.device)[None]
    return index if offset is None else index + offset[:, None]


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

    def forward(self, chars: torch.Tensor, offset: torch.Tensor | None = None) -> torch.Tensor:
        d = self.embed.embedding_dim
        x = self.embed(chars) * math.sqrt(d) + sinusoid(positions(chars, offset), d)
        return self.norm(self.layers(x, src_key_padding_mask=chars == PAD))


class StyleEncoder(nn.Module):
    """CNN over N reference images -> writer (global) and glyph (local) style, fused into d_model;
    with `style_tokens`, also that many tokens pooled from the images' cells by learnt queries.

    A style is [B, d_model] (the vector alone) or [B, 1 + tokens, d_model] (the vector first)."""

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
        if cfg.style_tokens:
            self.token_queries = nn.Parameter(torch.randn(cfg.style_tokens, widths[-1]) / math.sqrt(widths[-1]))
            self.token_head = nn.Linear(widths[-1], cfg.d_model)
        # Used when no reference is given, and in training now and then, so that
        # the model also writes well without one.
        self.no_style = nn.Parameter(torch.zeros(1 + cfg.style_tokens, cfg.d_model) if cfg.style_tokens
                                     else torch.zeros(cfg.d_model))

    def _cells(self, images: torch.Tensor) -> torch.Tensor:
        """[B, N, 1, 64, 64] -> every image's 4x4 cells [B, N*16, C]."""
        b = images.shape[0]
        feats = self.backbone(images.flatten(0, 1))                      # [B*N, C, 4, 4]
        return feats.flatten(2).transpose(1, 2).reshape(b, -1, feats.shape[1])

    def _heads(self, feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        writer = self.writer_head(feats.mean(1))
        # Glyph head: attention pooling picks out the distinctive local shapes.
        weights = torch.softmax(feats @ self.glyph_query / math.sqrt(feats.shape[-1]), dim=1)
        glyph = self.glyph_head((weights[..., None] * feats).sum(1))
        return writer, glyph

    def heads(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """[B, N, 1, 64, 64] -> writer [B, style_dim], glyph [B, style_dim]."""
        return self._heads(self._cells(images))

    def writer_contrast(self, images: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
        """InfoNCE over the batch: the writer head of the first half of each sample's tiles
        should pick out the second half's (the same writer, another line) among all the samples'."""
        half = images.shape[1] // 2
        a, b = (F.normalize(self.heads(part)[0], dim=-1) for part in (images[:, :half], images[:, half:]))
        logits = a @ b.T / temperature
        target = torch.arange(len(a), device=a.device)
        return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2

    def toward(self, embedding: torch.Tensor, strength: float) -> torch.Tensor:
        """A style `strength` of the way from the model's own hand to `embedding` (1: as read;
        above 1, further towards the writer)."""
        return self.no_style + strength * (embedding - self.no_style)

    def forward(self, images: torch.Tensor | None, batch: int) -> torch.Tensor:
        if images is None or images.shape[1] == 0:
            return self.no_style.expand(batch, *self.no_style.shape)
        feats = self._cells(images)
        writer, glyph = self._heads(feats)
        vector = self.fuse_writer(writer) + self.fuse_glyph(glyph)
        if self.no_style.dim() == 1:
            return vector
        weights = torch.softmax(feats @ self.token_queries.T / math.sqrt(feats.shape[-1]), dim=1)   # [B, cells, T]
        return torch.cat([vector[:, None], self.token_head(weights.transpose(1, 2) @ feats)], 1)


def style_vector(style: torch.Tensor) -> torch.Tensor:
    """The vector [B, d_model] of a style, with or without tokens."""
    return style if style.dim() == 2 else style[:, 0]


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
        if cfg.style_tokens:
            self.norm4 = nn.LayerNorm(d)
            self.style_q = nn.Linear(d, d)
            self.style_kv = nn.Linear(d, 2 * d)
            self.style_out = nn.Linear(d, d)
        self.drop = nn.Dropout(cfg.dropout)
        # Cross-attention starts out focused on the reading position: a Gaussian prior
        # over characters, narrow for some heads and wide for others, its width learnt.
        self.log_reach = nn.Parameter(torch.linspace(math.log(0.75), math.log(3.0), cfg.heads))

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, s, d = x.shape
        return x.view(b, s, self.heads, d // self.heads).transpose(1, 2)

    def _keys_values(self, project: nn.Linear, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # Contiguous once here, not copied by every decoding step's products.
        k, v = project(x).chunk(2, dim=-1)
        return self._split(k).contiguous(), self._split(v).contiguous()

    def memory(self, content: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._keys_values(self.kv, content)

    def style_memory(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._keys_values(self.style_kv, tokens)

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

    def forward(self, x, reading, memory, content_mask, cache=None, prompt=0, key_mask=None, prompt_text=None,
                style_memory=None):
        """reading: [B, S] reading positions of the points after the prompt; content_mask:
        [B, S or 1, L] bool, True where a character may be attended.

        prompt: how many of x's first positions are prompt points, which read their own
        text, prompt_text: (this layer's memory of it, reading positions [B, prompt], mask
        [B, 1, Lp]); key_mask: [B, prompt + S] bool, False at padding (prompts are padded on
        the left). cache: None for a full causal pass, or a dict {"capacity": most steps}
        that comes to hold this layer's past keys and values, extended in place (incremental
        decoding); a "prefix" entry (keys, values, for a batch of 1 or B) is attended before them.
        style_memory: this layer's keys and values of the style tokens (`style_memory`), or None.
        Returns the new x and the head-averaged cross-attention [B, S, L] of the points after
        the prompt (None where there are none).
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
        if cache is not None and "prefix" in cache:
            attn = _after_prefix(q, k, v, *cache["prefix"])
        elif cache is not None and s == 1:
            # One step of decoding: two small products beat the fused kernel on a CPU (about
            # 1.4x at a word's length, 2x for wide batches).
            attn = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]), -1) @ v
        elif key_mask is not None:
            causal = torch.ones(s, s, dtype=torch.bool, device=x.device).tril()
            # A padding query sees itself, so that no row of scores is empty.
            allowed = (causal & key_mask[:, None, None]) | torch.eye(s, dtype=torch.bool, device=x.device)
            attn = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed,
                                                  dropout_p=self.drop.p if self.training else 0.0)
        else:
            # With a cache, s > 1 only for a first pass (a prompt): causal, as without one.
            attn = F.scaled_dot_product_attention(q, k, v, is_causal=s > 1,
                                                  dropout_p=self.drop.p if self.training else 0.0)
        x = x + self.drop(self.self_out(attn.transpose(1, 2).reshape(b, s, d)))

        before, x = x[:, :prompt], x[:, prompt:]
        if prompt:
            prompt_memory, prompt_reading, prompt_mask = prompt_text
            before = before + self._read(before, prompt_reading, prompt_memory, prompt_mask)[0]
        weights = None
        if x.shape[1]:
            added, weights = self._read(x, reading, memory, content_mask)
            x = x + added
        x = torch.cat([before, x], 1) if prompt else x
        if style_memory is not None:
            q = self._split(self.style_q(self.norm4(x)))
            attn = F.scaled_dot_product_attention(q, *style_memory)
            x = x + self.drop(self.style_out(attn.transpose(1, 2).reshape(b, x.shape[1], d)))
        x = x + self.drop(self.ff(self.norm3(x)))
        return x, weights


def _after_prefix(q, k, v, prefix_k, prefix_v):
    """Attention over a shared prefix's keys, then the row's own (all past: decoding one
    step at a time). The prefix may have a batch of 1: broadcast, never copied per row."""
    scale = 1 / math.sqrt(q.shape[-1])
    before = q @ prefix_k.transpose(-1, -2) * scale
    own = q @ k.transpose(-1, -2) * scale
    weights = torch.softmax(torch.cat([before.expand(q.shape[0], -1, -1, -1), own], -1), -1)
    p = prefix_k.shape[2]
    return weights[..., :p] @ prefix_v + weights[..., p:] @ v


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
        # Marks prompt points, which the words written after them are not (zero in weights
        # trained before prompts, which the writer then does not prompt).
        self.prompt_mark = nn.Parameter(torch.zeros(cfg.d_model))

    def encode(self, chars, style, offset=None):
        """Everything the decoder needs that does not change while writing.

        style: [B, d_model] from `self.style`, computed apart so that it can be
        computed once per writer and shared by many lines. offset: [B] characters the text
        is read after (a prompt's, and a space), or None.
        """
        return {"style": style_vector(style), "memory": self._memory(chars, offset), "chars_mask": chars != PAD,
                "offset": offset, "style_memory": self._style_memory(style)}

    def _style_memory(self, style: torch.Tensor) -> list | None:
        """Each layer's keys and values of the style tokens (None for a style without them)."""
        if style.dim() == 2:
            return None
        return [layer.style_memory(style[:, 1:]) for layer in self.layers]

    def _memory(self, chars, offset=None):
        """Each layer's keys and values of the text, for cross-attention."""
        content = self.content(chars, offset)
        # Positions again, after the encoder's norm, so keys carry them as plainly as queries do.
        content = content + sinusoid(positions(chars, offset), self.cfg.d_model)
        return [layer.memory(content) for layer in self.layers]

    def _prompt_in(self, prompt: dict, style: torch.Tensor) -> torch.Tensor:
        return (self.point_in(prompt["points"]) + sinusoid(prompt["reading"], self.cfg.d_model) + self.prompt_mark
                + style_vector(style)[:, None])

    def read_prompt(self, chars: torch.Tensor, points: torch.Tensor, reading: torch.Tensor,
                    mask: torch.Tensor | None = None) -> dict:
        """A prompt as the decoder reads it: the writer's points [B, P, 5] (`prompt_inputs`,
        padded on the left where `mask` [B, P] is False), what they say (`chars`, as
        `pad_chars` makes them) and the reading position of each point [B, P]."""
        return {"points": points, "reading": reading, "memory": self._memory(chars),
                "chars_mask": (chars != PAD)[:, None],
                "mask": mask if mask is not None else torch.ones(points.shape[:2], dtype=torch.bool,
                                                                  device=points.device)}

    def _text_of(self, prompt: dict, i: int) -> tuple:
        return prompt["memory"][i], prompt["reading"], prompt["chars_mask"]

    def decode(self, points, reading, context, window=None, cache=None, prompt=None, history_keep=None):
        """points: [B, S, 5] from `decoder_inputs`/`with_position`; reading: [B, S] reading
        positions (character index for each point).

        window: optional [B, S, L] bool restricting cross-attention (monotonic sampling).
        prompt: optional, from `read_prompt`: the writer's own strokes, read before `points`
        as an earlier line of theirs would be; with a cache, give it to `prefix` instead.
        history_keep: optional [B, S] bool, False at points later points may not attend (in
        training: so that a hand is read from the prompt and the style, not only from its
        own strokes so far).
        Returns GMM parameters [B, S, 121], end logits [B, S], predicted advance of the
        reading position [B, S] and the cross-attention of every layer [layers, B, S, L].
        """
        # No encoding of the step index: causal attention knows the order, and a second
        # sinusoid in the characters' basis would blur the reading position's match.
        read_at = reading if context.get("offset") is None else reading + context["offset"][:, None]
        x = self.point_in(points) + sinusoid(read_at, self.cfg.d_model) + context["style"][:, None]
        mask = context["chars_mask"][:, None]
        if window is not None:
            mask = mask & window
        p, key_mask = 0, None
        if prompt is not None and prompt["points"].shape[1]:
            p = prompt["points"].shape[1]
            x = torch.cat([self._prompt_in(prompt, context["style"]), x], 1)
            key_mask = torch.cat([prompt["mask"], prompt["mask"].new_ones(x.shape[0], x.shape[1] - p)], 1)
        if history_keep is not None:
            key_mask = history_keep if key_mask is None else torch.cat([key_mask[:, :p], key_mask[:, p:] & history_keep], 1)
        attention = []
        for i, layer in enumerate(self.layers):
            x, a = layer(x, reading, context["memory"][i], mask, None if cache is None else cache[i], p, key_mask,
                         self._text_of(prompt, i) if p else None,
                         None if context.get("style_memory") is None else context["style_memory"][i])
            attention.append(a)
        x = self.norm(x[:, p:])
        return self.gmm(x), self.end(x).squeeze(-1), self.progress(x).squeeze(-1), torch.stack(attention)

    @torch.no_grad()
    def prefix(self, prompt: dict, style: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Each layer's keys and values for a prompt (`read_prompt`, one writer): computed
        once, then attended by every row written after it (`cache[i]["prefix"]`)."""
        x = self._prompt_in(prompt, style)
        p = prompt["points"].shape[1]
        style_memory = self._style_memory(style)
        out = []
        for i, layer in enumerate(self.layers):
            cache = {"capacity": p}
            x, _ = layer(x, None, None, None, cache, p, None, self._text_of(prompt, i),
                         None if style_memory is None else style_memory[i])
            out.append((cache["k"], cache["v"]))
        return out

    def forward(self, chars, points, reading, images=None, prompt=None, history_keep=None):
        """prompt: None, or (chars, points, reading, mask, offset): the first four as
        `read_prompt` takes them, and the characters [B] the text is read after."""
        context = self.encode(chars, self.style(images, chars.shape[0]), None if prompt is None else prompt[4])
        return self.decode(points, reading, context, prompt=None if prompt is None else self.read_prompt(*prompt[:4]),
                           history_keep=history_keep)


def prompt_inputs(offsets: torch.Tensor) -> torch.Tensor:
    """A prompt's points as the decoder reads them [B, P, 5]: each offset itself (nothing is
    predicted from a prompt, so nothing is shifted) and where the pen is after it."""
    return with_position(offsets, offsets[..., :2].cumsum(1))
