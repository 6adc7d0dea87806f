"""Plain configuration: the writing options, the network's sizes, the data preparation, the
training run, the evaluation, and how written lines become paths.

Each option is declared once, here: a field's `help` makes it a command-line option of the
command that runs it (daemon/cli/options.py), and WRITING's ranges are what the protocol
accepts and the Inkscape dialog offers. No torch or numpy here, so that the command line
starts fast.
"""
import math
import os
from dataclasses import MISSING, asdict, dataclass, field, replace
from pathlib import Path

# Data units: the central 90 % of a line's ink spans this many units vertically.
LINE_HEIGHT = 10.0


@dataclass(frozen=True)
class Knob:
    """A writing option: its default, its range, and what it does."""
    default: float
    low: float
    high: float
    help: str
    integer: bool = False


# How a request is written: the daemon's defaults and limits, the command line's and the dialog's.
WRITING = {
    "style_strength": Knob(1.0, 0.0, 3.0, "with a style: above 1 looks more like the writer and reads less easily"),
    "temperature": Knob(1.0, 0.05, 3.0, "randomness"),
    "bias": Knob(2.0, 0.0, 5.0, "legibility: higher is neater and plainer"),
    "versions": Knob(8, 1, 8, "versions of each word to write, keeping the most legible: more reads better and takes "
                              "longer", integer=True),
    "smoothing": Knob(0, 0, 10, "passes of a filter over the points where the pen turns gently; corners and ends stay "
                                "put (0: the strokes as written)", integer=True),
    "font_size": Knob(32.0, 0.1, 10_000.0, "font size in px whose x-height the writing's small letters match"),
}


def option(default=MISSING, help: str = "", *, run: bool = False, flag: str | None = None,
           metavar: str | None = None, type=None, default_factory=MISSING):
    """A config field that is also a command-line option, its help said here once. `run`: a
    resumed training run keeps it from its checkpoint unless given again; `flag`: the option's
    name where it is not --field-name; `type`: where the default (None) does not say it."""
    return field(default=default, default_factory=default_factory,
                 metadata={"help": help, "run": run, "flag": flag, "metavar": metavar, "type": type})
# Pixels a side a style picture is read at: tiles need no more detail. Clients shrink larger
# ones before sending them and the daemon as it decodes them; the model reads what it is given.
PICTURE_SIDE = 2400


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


@dataclass
class DataConfig:
    root: str = "../shared/data/iam-ondb"
    cache_dir: str = "runs/cache"
    epsilon: float = 0.25     # simplification tolerance, data units (LINE_HEIGHT = 10)
    max_step: float = 6.0     # longest step kept inside a stroke, data units
    max_points: int = 1200    # lines longer than this after simplification are dropped


@dataclass
class TrainConfig:
    preset: str = option("default", "network size: default, large or tiny", run=True)
    out_dir: str = option("runs/default", "run folder for checkpoints, logs and samples", flag="--out")
    steps: int = option(12000, "total optimizer steps", run=True)
    # Seconds of training after which the run ends early and saves, for a machine lent for a
    # fixed time: the learning rate then decays over whichever of steps or time runs out first.
    time_limit: float | None = option(None, "end early and save after this much training time; the learning rate "
                                            "decays to it", run=True, metavar="SECONDS", type=float)
    lr: float = option(5e-4, "peak learning rate", run=True)
    min_lr: float = 5e-5
    warmup: int = option(400, "steps of learning-rate warm-up", run=True)
    weight_decay: float = 0.01
    batch_points: int = option(6000, "padded points per batch (per rank)", run=True)
    references: int = 4            # style tiles per line
    style_dropout: float = 0.1     # share of batches trained without style, for the neutral hand
    align_weight: float = 1.0
    reading_drift: float = 1.0     # characters: how far training slips the reading position (0: never)
    # Words cut from the lines are trained on beside the lines: writing goes word by word,
    # and a word's characters align with its ink far more tightly than a line's do.
    words: bool = option(True, "train on whole lines only, not on words cut from them", run=True, flag="--lines-only")
    # Capitals and digits are a few percent of the ink and most of what recognizers misread.
    rare_words: int = option(1, "train words holding a capital or digit N times per epoch", run=True, metavar="N")
    init: str | None = option(None, "start a new run from these weights (a checkpoint or a shipped file, e.g. the "
                                    "default)", metavar="WEIGHTS", type=str)
    extra_words: str | None = option(None, "also train on the words in this file, as `inkscribe distil` writes them",
                                     run=True, metavar="FILE", type=str)
    composed_words: int = option(0, "also train on N words of digits, dates, prices and capitals composed from "
                                    "characters cut out of the data's words (model/data/composed.py)", run=True,
                                 metavar="N")
    # Validated, sampled and shipped weights are an average over about 1 / (1 - decay) steps:
    # single checkpoints swing between lines that stop short and lines that run on.
    ema_decay: float = 0.998
    clip: float = 1.0
    # Processes drawing batches ahead of the training one (0: it draws them itself).
    loaders: int = field(default_factory=lambda: min(16, (os.cpu_count() or 1) - 1))
    eval_every: int = option(250, "steps between validation, checkpoint and sample sheet", run=True)
    valid_batches: int = 24
    seed: int = 1
    device: str | None = option(None, "cpu, cuda, cuda:1 ... (default: GPU if present)", type=str)
    data: DataConfig = field(default_factory=DataConfig)

    def lr_at(self, step: int, elapsed: float = 0.0) -> float:
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        progress = min(1.0, (step - self.warmup) / max(1, self.steps - self.warmup))
        if self.time_limit:
            progress = max(progress, min(1.0, elapsed / self.time_limit))
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1 + math.cos(math.pi * progress))


@dataclass
class JudgeConfig:
    """The independent style judge (model/critics/judge.py): trained once, shipped beside the weights."""
    steps: int = 1500
    forms_per_batch: int = 64
    tiles: int = 8             # tiles cut from each line
    lr: float = 3e-3
    writers: int = 20          # retrieval among this many validation writers, as eval measures it
    seed: int = 0
    path: str = str(Path(__file__).parent / "weights" / "judge.pt")


@dataclass
class ReaderConfig:
    """The stroke reader the writer picks the most legible version of a word with (model/critics/reader.py)."""
    steps: int = 6000
    batch: int = 64
    width: int = 160
    lr: float = 2e-3
    valid_words: int = 2000
    # Words of digits and capitals composed from characters cut out of the training words
    # (model/data/composed.py): the data holds too few for a reader to tell a 4 from an l.
    composed_words: int = 0
    seed: int = 0
    path: str = str(Path(__file__).parent / "weights" / "reader.pt")


@dataclass
class DistilConfig:
    """Words the model writes best, as more training words (model/training/distil.py, `inkscribe distil`)."""
    checkpoint: str | None = option(None, "weights that write them (default: shipped)", type=str)
    out: str = option("runs/distil.npz", "file for the words")
    words: int = option(30_000, "training words to write")
    versions: int = option(4, "versions of each word, the reader keeping the one it reads best")
    bias: float = option(1.0, "sampling bias: low keeps the kept words as varied as a hand is")
    # Above 1, the words lean further towards their writer, so that training on them does not
    # pull the model's styles towards its own hand.
    strength: float = option(1.0, "style strength the words are written at: above 1 holds the writers' styles")
    max_misreading: float = 0.1   # nats per letter: kept only if the reader reads it almost without fault
    rare_words: int = 3        # capitals and digits drawn as often as the caps run trains them
    references: int = 4        # style tiles from the writer's other lines
    chunk: int = 48            # words written together
    seed: int = 0


@dataclass
class LearnConfig:
    """Learning a hand from a person's lines (model/write/hands.py)."""
    rank: int = 8              # of each decoder layer's low-rank adapters
    steps: int = 40
    lr: float = 3e-4
    batch: int = 8             # of the person's lines and words a step, and as many words replayed
    replay_weight: float = 1.0
    check_every: int = 5       # steps between looks at the held-out line
    time_limit_s: float = 120.0   # learning ends here, keeping the best adapters so far


@dataclass
class EvalConfig:
    out_dir: str = option("runs/eval", "folder for report.md and samples.png", flag="--out")
    lines: int = option(100, "validation lines written and read back by both judges (one per writer); also the most "
                             "lines of digits and of capitals read (40 each)")
    writers: int = option(20, "validation writers the style's retrieval picks among")
    style_groups: int = option(4, "groups of that many writers the style measures average over")
    paragraphs: int = 12       # validation writers whose four lines are written as one request
    bias: float = WRITING["bias"].default
    temperature: float = WRITING["temperature"].default
    # 100 lines swing by a few hundredths of CER from seed to seed.
    seeds: tuple[int, ...] = option((0, 1), "sampling seeds; figures that depend on sampling are averaged over them",
                                    type=int)
    nll_batches: int = 1000    # validation batches for the likelihood (all of them, by default)
    hands_dir: str | None = option(None, "also write the extension's built-in hands (PNG) into DIR", flag="--hands",
                                   metavar="DIR", type=str)
    accents: bool = True       # also read back French and German sentences (needs tesseract's fra and deu)
    figures: bool = True       # also read back lines of digits and of capitals
    judge: str = JudgeConfig.path   # the independent style judge's weights (`inkscribe judge` trains them)
    versions: int = option(WRITING["versions"].default, "versions of each word, the reader keeping the one it reads "
                                                        "best, as the daemon writes")
    reader: str = ReaderConfig.path   # what picks among them (missing: the first is kept)
    compile: bool = option(False, "write with the writing step compiled, as 'inkscribe daemon --compile' does")
    data: DataConfig = field(default_factory=DataConfig)


# The writing's small letters are as tall as a typical font's x-height (half its size),
# measured as a reader compares them with the text they replace: the ink of a whole line of
# small letters ("ocean rows us"), top to bottom. That is LINE_X_HEIGHT in the units the
# shipped model writes (median of 6 such lines at 4 seeds). One word of small letters alone
# is less: DATA_X_HEIGHT is IAM-OnDB's (the median ink height of 542 training words of small
# letters only, such as "some" and "can"); a line adds the words' differing heights and the
# odd tall stroke. Sizing lines by the single word set them 0.7 em tall (the Inkscape issue).
X_HEIGHT_EM = 0.5
DATA_X_HEIGHT = 5.15
LINE_X_HEIGHT = 7.2


@dataclass
class PathConfig:
    font_size: float = WRITING["font_size"].default   # px; the handwriting's x-height is that of text of this size
    smoothing: int = WRITING["smoothing"].default     # passes of a [1, 2, 1] filter where the pen turns gently
    line_spacing: float = 2.0    # baseline to baseline, in font sizes: ascenders and descenders clear
    stroke_width: float | None = None  # px; default scales with the font size
    colour: str = "#000000"

    @property
    def scale(self) -> float:
        return self.font_size * X_HEIGHT_EM / LINE_X_HEIGHT

    @property
    def width(self) -> float:
        return self.stroke_width if self.stroke_width is not None else self.font_size / 16
