"""The network's sizes. `large` is the seed architecture; `default` is what ships."""
from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class ModelConfig:
    d_model: int = 192
    heads: int = 8
    encoder_layers: int = 2
    decoder_layers: int = 4
    ff: int = 768
    style_dim: int = 128      # width of each style head (writer, glyph)
    mixtures: int = 20
    dropout: float = 0.1

    @property
    def gmm_outputs(self) -> int:  # pi, mu x/y, sigma x/y, rho per component, + pen
        return self.mixtures * 6 + 1

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS = {
    "large": ModelConfig(d_model=512, heads=8, encoder_layers=2, decoder_layers=6, ff=2048),
    "default": ModelConfig(),
    # For tests: builds and runs in milliseconds.
    "tiny": ModelConfig(d_model=32, heads=4, encoder_layers=1, decoder_layers=2, ff=64, style_dim=16,
                        mixtures=4),
}


def preset(name: str, **overrides) -> ModelConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    return replace(PRESETS[name], **overrides)
