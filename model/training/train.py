"""Training on IAM-OnDB: resumable, with CSV log, loss curve and sample sheets.

Runs as one process, or unchanged under `torchrun --nproc_per_node=N` (DDP; NCCL on
GPUs, gloo on CPUs): each rank takes its share of every epoch's batches.
"""
import copy
import csv
import os
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from tqdm import tqdm

from ..data import iamondb
from ..samples.batches import Collator, batches
from ..data.composed import composed_words
from ..net.checkpoint import atomic_save, export, load_model, load_weights, pick_device, served_weights
from ..config import ModelConfig, TrainConfig, preset
from ..net.loss import losses
from ..evaluation.likelihood import on_device, validate
from ..net.network import HandwritingModel
from ..data.segments import with_words
from ..net.sampling import SampleConfig
from ..seeds import derive
from ..evaluation.sheet import loss_curve, sample_sheet
from ..write.writer import Hand, Task, Writer

LOG_FIELDS = ["step", "epoch", "lr", "loss", "stroke", "pen", "end", "align", "progress", "writer", "points_per_s",
              "valid_stroke", "valid_pen", "valid_line_nll", "valid_style_gain", "elapsed_s"]


class StepBatches(torch.utils.data.Dataset):
    """The batch of each training step, indexed by step. Everything random is derived from
    (seed, epoch or step, rank), so a resumed run takes exactly the batches and random choices
    the uninterrupted one would have, and loader processes can build them in any order."""

    def __init__(self, collate: Collator, cfg: TrainConfig, rank: int, world: int):
        self.collate, self.cfg, self.rank, self.world = collate, cfg, rank, world
        self._cached = (None, None)
        self.per_epoch = len(self._epoch(0))

    def _epoch(self, epoch: int) -> list[list[int]]:
        if self._cached[0] != epoch:
            self._cached = (epoch, batches(self.collate.lines, self.cfg.batch_points,
                                           np.random.default_rng(derive(self.cfg.seed, "epoch", epoch)), self.rank, self.world))
        return self._cached[1]

    def __len__(self) -> int:
        return self.cfg.steps

    def __getitem__(self, step: int) -> tuple[int, dict]:
        epoch, k = divmod(step, self.per_epoch)
        rng = np.random.default_rng(derive(self.cfg.seed, "batch", step, self.rank))
        # Epochs pack into slightly different numbers of batches; the last few of a longer one wrap.
        ordered = self._epoch(epoch)
        return epoch, self.collate(ordered[k % len(ordered)], rng, with_style=rng.random() >= self.cfg.style_dropout)


@torch.no_grad()
def write_samples(model, collate: Collator, path: Path, step: int) -> None:
    """Sample sheet: validation texts written in the style of their own writer, with the real line."""
    rng = np.random.default_rng(0)
    picks = rng.choice(len(collate.lines), size=min(4, len(collate.lines)), replace=False)
    device = next(model.parameters()).device
    images = torch.from_numpy(np.stack([collate.style_tiles(i, rng) for i in picks]))[:, :, None].to(device)
    texts = [collate.lines[i].text for i in picks]
    writer = Writer(model)   # as users get it: word by word
    styled = [line.offsets for (line,) in writer.write(
        [Task([t], Hand(s), SampleConfig(seed=0)) for t, s in zip(texts, model.style(images, len(texts)))])]
    plain = [line.offsets for (line,) in writer.write([Task([t], None, SampleConfig(seed=0)) for t in texts[:2]])]
    rows = []
    for i, text, off in zip(picks, texts, styled):
        rows += [(f"real: {text}", collate.lines[i].offsets), (f"model, writer's style: {text}", off)]
    rows += [(f"model, no style: {t}", off) for t, off in zip(texts[:2], plain)]
    sample_sheet(rows, path, f"step {step}")
    model.train()


@torch.no_grad()
def update_average(average: HandwritingModel, model: HandwritingModel, decay: float) -> None:
    for a, m in zip(average.state_dict().values(), model.state_dict().values()):
        if a.is_floating_point():
            a.lerp_(m, 1 - decay)
        else:
            a.copy_(m)


def _agree(flag: bool, distributed: bool, device) -> bool:
    """True on every rank once it is true on any."""
    if not distributed:
        return flag
    t = torch.tensor([float(flag)], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def _truncate_log(log_path: Path, step: int) -> None:
    """Drop log rows written after the checkpoint: the resumed run writes them again."""
    with open(log_path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if int(r["step"]) <= step]
    with open(log_path, "w", newline="") as f:
        writer = csv.DictWriter(f, LOG_FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def train(cfg: TrainConfig, resume: bool = False, data: dict | None = None) -> Path:
    """Train (or continue) a run in cfg.out_dir; returns the checkpoint path."""
    distributed = "WORLD_SIZE" in os.environ
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    device = pick_device(cfg.device or (f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
                                        if distributed and torch.cuda.is_available() else None))
    # TF32 matrix products: several times faster on recent GPUs, and the GMM's own sums stay in float32.
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    out = Path(cfg.out_dir)
    ckpt_path, log_path = out / "checkpoint.pt", out / "log.csv"
    data = data or iamondb.load(cfg.data)
    train_lines = with_words(data["train"], cfg.rare_words) if cfg.words else data["train"]
    extra = iamondb.load_lines(Path(cfg.extra_words))["train"] if cfg.extra_words else []
    composed = composed_words(with_words(data["train"])[len(data["train"]):], cfg.composed_words, cfg.seed) if cfg.composed_words else []
    train_lines = train_lines + extra + composed
    train_collate = Collator(train_lines, cfg.references, cfg.reading_drift, whole_lines=data["train"])
    valid_collate = Collator(data["valid"], cfg.references)

    torch.manual_seed(cfg.seed)
    model = HandwritingModel(preset(cfg.preset)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    step, elapsed = 0, 0.0
    if resume and ckpt_path.exists():
        state = torch.load(ckpt_path, map_location=device, weights_only=False)
        load_weights(model, state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, elapsed = state["step"], state["elapsed_s"]
        if rank == 0:
            print(f"resuming {ckpt_path} at step {step}")
            _truncate_log(log_path, step)
    else:
        if cfg.init:
            model.load_state_dict(load_model(cfg.init, "cpu").state_dict())
        if rank == 0:
            out.mkdir(parents=True, exist_ok=True)
            with open(log_path, "w", newline="") as f:
                csv.DictWriter(f, LOG_FIELDS).writeheader()
    average = copy.deepcopy(model).eval().requires_grad_(False)
    if resume and ckpt_path.exists():
        average.load_state_dict(served_weights(state))
    # Batches without style images leave the style encoder unused, and vice versa.
    trainable = (torch.nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
                 if distributed else model)
    if rank == 0:
        n_params = sum(p.numel() for p in model.parameters())
        print(f"training preset {cfg.preset!r} ({n_params / 1e6:.2f}M parameters) on {device}, "
              f"{len(data['train'])} lines and {len(train_lines) - len(data['train']) - len(extra) - len(composed)} words cut "
              f"from them{f', {len(extra)} more from ' + cfg.extra_words if extra else ''}"
              f"{f', {len(composed)} composed of their figures and capitals' if composed else ''}, "
              f"{world} process(es){', starting from ' + cfg.init if cfg.init and step == 0 else ''}")

    # Drawing the style tiles costs far more than a step on a GPU: loader processes draw them
    # ahead (one fewer than the cores, so the training process keeps one).
    steps = StepBatches(train_collate, cfg, rank, world)
    loader = torch.utils.data.DataLoader(
        steps, batch_size=None, sampler=range(step, cfg.steps), num_workers=cfg.loaders,
        prefetch_factor=4 if cfg.loaders else None, pin_memory=device.type == "cuda")
    model.train()
    bar = tqdm(total=cfg.steps, initial=step, desc="training", disable=rank != 0, unit="step")
    out_of_time = False
    waited = time.time()
    for epoch, batch in loader:
        started = waited
        torch.manual_seed(derive(cfg.seed, "dropout", step, rank))
        batch = on_device(batch, device)
        lr = cfg.lr_at(step, elapsed)
        for group in optimizer.param_groups:
            group["lr"] = lr
        terms = losses(trainable, batch)
        loss = sum((cfg.align_weight if name == "align" else 1.0) * term for name, term in terms.items())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        optimizer.step()
        update_average(average, model, cfg.ema_decay)
        loss, terms = float(loss.detach()), {k: float(v.detach()) for k, v in terms.items()}
        step += 1
        took = time.time() - started
        elapsed += took
        # Every rank stops at the same step, or the others would wait at the barrier forever.
        out_of_time = cfg.time_limit is not None and _agree(elapsed >= cfg.time_limit, distributed, device)
        rate = int(batch["mask"].sum()) * world / took
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}", align=f"{terms['align']:.3f}", pts_s=f"{rate:.0f}")
        row = {"step": step, "epoch": epoch, "lr": f"{lr:.2e}", "loss": f"{loss:.4f}",
               **{k: f"{v:.4f}" for k, v in terms.items()}, "points_per_s": f"{rate:.0f}",
               "elapsed_s": f"{elapsed:.0f}"}
        if step % cfg.eval_every == 0 or step == cfg.steps or out_of_time:
            if rank == 0:
                row.update({k: f"{v:.4f}" for k, v in validate(average, valid_collate, cfg, device).items()})
                atomic_save({"config": model.cfg.to_dict(), "model": model.state_dict(), "ema": average.state_dict(),
                             "optimizer": optimizer.state_dict(), "step": step, "elapsed_s": elapsed,
                             "train_config": asdict(cfg)}, ckpt_path)
                write_samples(average, valid_collate, out / f"samples-{step:06d}.png", step)
                loss_curve(log_path, out / "loss.png")
                tqdm.write(f"step {step}: valid stroke {row['valid_stroke']} pen {row['valid_pen']} nats/point")
            if distributed:
                dist.barrier()
        if rank == 0:
            with open(log_path, "a", newline="") as f:
                csv.DictWriter(f, LOG_FIELDS).writerow(row)
        if out_of_time:
            break
        waited = time.time()
    bar.close()
    if distributed:
        dist.destroy_process_group()
    return ckpt_path


def saved_config(out_dir: str | Path) -> dict:
    """The training options a run in `out_dir` was started with ({} if it has no checkpoint)."""
    path = Path(out_dir) / "checkpoint.pt"
    return torch.load(path, map_location="cpu", weights_only=False).get("train_config", {}) if path.exists() else {}


def ship(ckpt_path: str | Path, path: str | Path, card: dict) -> None:
    """Turn a training checkpoint into the half-precision weights file that ships."""
    state = torch.load(ckpt_path, map_location="cpu", weights_only=False)
    model = HandwritingModel(ModelConfig(**state["config"]))
    load_weights(model, served_weights(state))
    export(model, path, {**card, "step": state["step"], "train_seconds": round(state["elapsed_s"])})
