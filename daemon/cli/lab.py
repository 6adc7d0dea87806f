"""The lab's commands: train, eval, the judge and the reader, distil, export, and the
benchmarks. Each imports torch only when it runs."""
import argparse
import sys
from pathlib import Path

from inkscribe.model.config import WRITING, DistilConfig, EvalConfig, TrainConfig

from .options import add_options, given, recipe
from .serving import THREADS, THREADS_HELP, endpoint_help


def _train(args) -> int:
    from dataclasses import fields, replace

    from inkscribe.model.training.train import saved_config, train

    try:
        options = {**recipe(args.recipe, "train", TrainConfig), **given(args, TrainConfig)}
    except ValueError as e:
        print(f"inkscribe: {e}", file=sys.stderr)
        return 1
    cfg = replace(TrainConfig(), **options, data=_data(args))
    if args.resume:   # the run's own options, but for those given again
        kept = {f.name for f in fields(TrainConfig) if f.metadata.get("run")} - set(given(args, TrainConfig))
        cfg = replace(cfg, **{k: v for k, v in saved_config(cfg.out_dir).items() if k in kept})
    train(cfg, resume=args.resume)
    return 0


def _eval(args) -> int:
    from dataclasses import replace

    from inkscribe.model.net.checkpoint import load_model
    from inkscribe.model.evaluation.evaluate import evaluate

    cfg = replace(EvalConfig(), **given(args, EvalConfig), data=_data(args))
    figures = evaluate(load_model(args.checkpoint, args.device), cfg, name=args.name or args.checkpoint or "shipped")
    print((Path(cfg.out_dir) / "report.md").read_text())
    return 0 if figures else 1


def _train_and_save(args, cfg, train, save, data: str, figure: str, says: str) -> int:
    """Trains and saves one of the networks kept apart from the model (the judge, the reader)."""
    from inkscribe.model.data import iamondb

    lines = iamondb.load(_data(args))
    network, score = train(lines["train"], lines["valid"], cfg)
    save(network, Path(args.out), {"data": data + " (non-commercial research licence of IAM-OnDB)",
                                   "steps": cfg.steps, figure: score})
    print(f"wrote {args.out}: {says} {score:.3f}")
    return 0


def _judge(args) -> int:
    from inkscribe.model.config import JudgeConfig
    from inkscribe.model.critics.judge import save_judge, train_judge

    cfg = JudgeConfig(steps=args.steps)
    return _train_and_save(args, cfg, train_judge, save_judge, "IAM-OnDB trainset lines, for eval only",
                          "valid_retrieval", f"top-1 retrieval of real lines among {cfg.writers} validation writers")


def _reader(args) -> int:
    from inkscribe.model.config import ReaderConfig
    from inkscribe.model.critics.reader import save_reader, train_reader

    cfg = ReaderConfig(steps=args.steps, composed_words=args.composed_words)
    composed = f" and {cfg.composed_words} words composed of their characters" if cfg.composed_words else ""
    return _train_and_save(args, cfg, train_reader, save_reader, "words cut from IAM-OnDB trainset lines" + composed,
                          "valid_word_cer", f"CER on {cfg.valid_words} validation words")


def _distil(args) -> int:
    from inkscribe.model.data import iamondb
    from inkscribe.model.net.checkpoint import load_model
    from dataclasses import replace

    from inkscribe.model.config import ReaderConfig
    from inkscribe.model.training.distil import chosen_words
    from inkscribe.model.critics.reader import load_reader

    reader = load_reader(Path(ReaderConfig.path))
    if reader is None:
        print(f"inkscribe: distil needs the stroke reader ({ReaderConfig.path}); `inkscribe reader` trains it",
              file=sys.stderr)
        return 1
    try:
        cfg = replace(DistilConfig(), **{**recipe(args.recipe, "distil", DistilConfig), **given(args, DistilConfig)})
    except ValueError as e:
        print(f"inkscribe: {e}", file=sys.stderr)
        return 1
    kept = chosen_words(load_model(cfg.checkpoint, "cpu"), reader, iamondb.load(_data(args))["train"], cfg)
    iamondb.save_lines(Path(cfg.out), {"train": kept})
    print(f"wrote {cfg.out}: {len(kept)} of {cfg.words} words, each the best of {cfg.versions} versions "
          f"(misreading at most {cfg.max_misreading:g} nats per letter); train on them with --extra-words")
    return 0


def _export(args) -> int:
    from inkscribe.model.training.train import ship

    ship(args.checkpoint, args.output, {"data": args.data_note, "licence": args.licence, "ink_scale": args.ink_scale})
    print(f"wrote {args.output}")
    return 0


def _bench(args) -> int:
    from inkscribe.model.evaluation.benchmark import main as bench

    from .benchmark import against_goals
    from .speed_goals import SpeedGoals

    bench(args.presets, args.train_steps, args.device, args.threads, args.compile)
    if args.versions:
        against_goals(SpeedGoals(peer_line_s=args.peer_line, peer_paragraph_s=args.peer_paragraph),
                      tuple(args.versions), args.compile, args.threads, args.device, args.runs,
                      checkpoint=args.checkpoint)
    return 0


def _bench_daemon(args) -> int:
    from .benchmark import main as bench

    from ..client import Client

    if not Client(args.endpoint).ping():
        print(f"inkscribe: no daemon answers at {args.endpoint}; start one with 'inkscribe daemon'", file=sys.stderr)
        return 1
    bench(args.endpoint, args.requests, args.heaviest)
    return 0


def _data_options(parser: argparse.ArgumentParser) -> None:
    from inkscribe.model.config import DataConfig
    parser.add_argument("--data", default=DataConfig.root, help="IAM-OnDB folder in its official layout")
    parser.add_argument("--cache", default=DataConfig.cache_dir, help="where the preprocessed data is cached")


def _data(args):
    from inkscribe.model.config import DataConfig
    return DataConfig(root=args.data, cache_dir=args.cache)


def _trained_apart(commands, name: str, help: str, description: str, cfg, user: str, run):
    """A command that trains one of the small networks kept apart from the handwriting model."""
    p = commands.add_parser(name, help=help, description=description)
    p.add_argument("--out", default=cfg.path, help=f"where to save it (default: the one {user})")
    p.add_argument("--steps", type=int, default=cfg.steps, help="training steps")
    _data_options(p)
    p.set_defaults(run=run)
    return p


def add_commands(commands) -> None:
    t = commands.add_parser("train", help="train a model on IAM-OnDB (resumable)",
                            description="Train the handwriting model on IAM-OnDB. Writes checkpoint.pt, "
                                        "log.csv, loss.png and sample sheets into --out. Also runs "
                                        "under torchrun for several GPUs or hosts. The shipped weights' "
                                        "stages are recipes in model/recipes/.")
    t.add_argument("--recipe", metavar="FILE", help="take the options from this recipe's [train] table (options "
                                                    "given here too override it)")
    add_options(t, TrainConfig)
    _data_options(t)
    t.add_argument("--resume", action="store_true",
                   help="continue the run in --out where it stopped, with the options it was started with "
                        "(any given again override them)")
    t.set_defaults(run=_train)

    di = commands.add_parser("distil", help="write training words in their writers' styles, keeping the most "
                                            "legible version of each",
                             description="Expert iteration: the model writes words cut from the training lines "
                                         "in their own writer's style, a few versions each, and keeps the version "
                                         "the stroke reader reads best (where it reads it almost without fault). "
                                         "Train on them beside the real data with train --extra-words.")
    di.add_argument("--recipe", metavar="FILE", help="take the options from this recipe's [distil] table")
    add_options(di, DistilConfig)
    _data_options(di)
    di.set_defaults(run=_distil)

    x = commands.add_parser("export", help="turn a training checkpoint into a small weights file",
                            description="Write a training checkpoint's weights in half precision with a "
                                        "model card, as shipped in model/weights/; use it with --checkpoint.")
    x.add_argument("checkpoint", help="checkpoint.pt from a training run")
    x.add_argument("-o", "--output", required=True, help="weights file to write")
    x.add_argument("--data-note", default="IAM-OnDB (trainset + testset_f)", help="what it was trained on")
    x.add_argument("--ink-scale", type=float, default=1.0,
                   help="size every written word is scaled by (free-running, a model writes smaller than "
                        "the data; eval's 'ink height, model / real' ratio R on unscaled weights gives 1/R)")
    x.add_argument("--licence", default="non-commercial research use only (inherited from IAM-OnDB)",
                   help="the weights' licence")
    x.set_defaults(run=_export)

    from inkscribe.model.config import JudgeConfig, ReaderConfig
    e = commands.add_parser("eval", help="measure quality on IAM-OnDB validation writers",
                            description="Write validation texts in their writers' styles and measure: "
                                        "held-out likelihood, legibility by tesseract and an IAM-trained recogniser "
                                        "(install/easyhtr.sh) beside the real lines, read from the path data a user "
                                        "gets, completeness, likeness to the reference writer, speed. Writes "
                                        "report.md and samples.png into --out.")
    e.add_argument("--checkpoint", help="weights or training checkpoint (default: shipped)")
    e.add_argument("--name", help="what to call the model in the report")
    add_options(e, EvalConfig)
    _data_options(e)
    e.add_argument("--device", help="cpu, cuda ... (default: GPU if present)")
    e.set_defaults(run=_eval)

    _trained_apart(commands, "judge", "train the independent style judge that eval measures likeness with",
                   "Train a writer-identification encoder on IAM-OnDB's training lines, apart from the "
                   "handwriting model, for eval to judge style likeness.", JudgeConfig(), "eval uses", _judge)
    r = _trained_apart(commands, "reader", "train the stroke reader the writer picks each word's most legible "
                                           "version with",
                       "Train a small online handwriting recogniser on words cut from IAM-OnDB's training lines; "
                       "the writer writes a few versions of each word and keeps the one it reads best.",
                       ReaderConfig(), "the daemon loads", _reader)
    r.add_argument("--composed-words", type=int, default=ReaderConfig.composed_words, metavar="N",
                   help="also read N words of digits, dates, prices and capitals composed from characters cut out "
                        f"of the training words (default {ReaderConfig.composed_words})")

    from .speed_goals import LEGIBLE_VERSIONS, SpeedGoals

    b = commands.add_parser("bench", help="measure training and sampling speed and memory, and the speed goals",
                            description="Print, for each preset in-process, training points/s, the seconds to "
                                        "write a line, a styled line, a paragraph and a letter, and peak memory; "
                                        "then, against daemons this command starts, whole 'inkscribe write' "
                                        "processes, a styled line, 8 concurrent clients and (on a GPU) a wide "
                                        "batch, each beside the speed issue's goal.")
    b.add_argument("presets", nargs="*", default=["default", "large"], help="presets to measure")
    b.add_argument("--versions", type=int, nargs="*", default=[WRITING["versions"].default, LEGIBLE_VERSIONS],
                   help=f"versions of each word the whole processes are timed at (default: the shipped "
                        f"{WRITING['versions'].default}, and {LEGIBLE_VERSIONS}, the fewest that meet the legibility "
                        f"goal); none: no daemons")
    b.add_argument("--peer-line", type=float, default=SpeedGoals.peer_line_s,
                   help="seconds the peer (calligrapher.ai's LSTM, a new process) takes for a line here "
                        f"(default {SpeedGoals.peer_line_s}, as the speed issue measured it)")
    b.add_argument("--peer-paragraph", type=float, default=SpeedGoals.peer_paragraph_s,
                   help=f"the same for a 10-line paragraph (default {SpeedGoals.peer_paragraph_s})")
    b.add_argument("--runs", type=int, default=7, help="whole processes timed for each figure (their median)")
    b.add_argument("--checkpoint", help="weights for the daemons it starts (default: shipped)")
    b.add_argument("--train-steps", type=int, default=3, help="training steps to time per preset")
    b.add_argument("--device", help="cpu, cuda ... (default: GPU if present)")
    b.add_argument("--threads", type=int, default=THREADS, help=THREADS_HELP)
    b.add_argument("--compile", action="store_true",
                   help="also time the shipped weights with the decoding step compiled, in-process and as a "
                        "daemon started with --compile beside the default one (compiling takes a minute or so)")
    b.set_defaults(run=_bench)

    bd = commands.add_parser("bench-daemon", help="measure a running daemon: overhead, lines/s, memory",
                             description="Against a running daemon, print the ping round trip, seconds "
                                         "per 40-character line and lines/s at 1, 4 and 8 concurrent "
                                         "clients, and the daemon's peak resident memory.")
    bd.add_argument("--endpoint", help=endpoint_help())
    bd.add_argument("--requests", type=int, default=3, help="one-line requests per client")
    bd.add_argument("--heaviest", action="store_true",
                    help="also time the largest request the limits allow (minutes) and the memory it takes")
    bd.set_defaults(run=_bench_daemon)
