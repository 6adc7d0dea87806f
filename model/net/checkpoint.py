"""Saving and loading weights: training checkpoints and the small shipped files."""
import os
from pathlib import Path

import torch

from ..config import ModelConfig
from .network import HandwritingModel

SHIPPED = Path(__file__).parents[1] / "weights" / "default.pt"


def pick_device(name: str | None = None) -> torch.device:
    """The GPU when there is one, else the CPU; `name` overrides."""
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def atomic_save(obj, path: str | Path) -> None:
    """Write to a temporary file and rename: a kill mid-write never leaves a torn file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def export(model: HandwritingModel, path: str | Path, card: dict) -> None:
    """Half-precision weights with their config and a model card: what ships."""
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    atomic_save({"config": model.cfg.to_dict(), "model": state, "card": card}, path)


def served_weights(blob: dict) -> dict:
    """The weights a checkpoint serves: the running average where training kept one."""
    return blob.get("ema", blob["model"])


# Parameters of routes since retired (docs/experiments.md): the marker of a prompt of the
# writer's strokes, zero in the shipped weights, which never read one.
RETIRED = {"prompt_mark"}


def load_weights(model: HandwritingModel, state: dict) -> None:
    """Strict, but for parameters of retired routes, which are left out."""
    model.load_state_dict({k: v for k, v in state.items() if k not in RETIRED})


def load_model(path: str | Path | None = None, device: str | torch.device | None = None) -> HandwritingModel:
    """A model ready for sampling, from a training checkpoint (its averaged weights) or shipped weights."""
    path = Path(path) if path else SHIPPED
    if not path.exists():
        raise FileNotFoundError(f"no model weights at {path}")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    model = HandwritingModel(ModelConfig(**blob["config"]))
    load_weights(model, {k: v.float() if v.is_floating_point() else v for k, v in served_weights(blob).items()})
    model.card = blob.get("card", {})
    return model.to(pick_device(device) if not isinstance(device, torch.device) else device).eval()
