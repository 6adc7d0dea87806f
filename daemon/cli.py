"""The `inkscribe` command: train, write, and (in later sub-commands) serve the model."""
import argparse
import sys
from pathlib import Path


def _train(args) -> int:
    from inkscribe.model.iamondb import DataConfig
    from inkscribe.model.train import TrainConfig, train

    cfg = TrainConfig(preset=args.preset, out_dir=args.out, steps=args.steps, batch_points=args.batch_points,
                      lr=args.lr, eval_every=args.eval_every, device=args.device,
                      data=DataConfig(root=args.data, cache_dir=args.cache))
    train(cfg, resume=args.resume)
    return 0


def _bench(args) -> int:
    from inkscribe.model.benchmark import main as bench

    bench(args.presets, args.train_steps, args.device)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inkscribe",
        description="Turn text into realistic single-line handwriting (SVG pen strokes).",
        epilog="Run 'inkscribe COMMAND --help' for the options of one command.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = commands.add_parser("train", help="train a model on IAM-OnDB (resumable)",
                            description="Train the handwriting model on IAM-OnDB. Writes checkpoint.pt, "
                                        "log.csv, loss.png and sample sheets into --out. Also runs "
                                        "under torchrun for several GPUs or hosts.")
    defaults = __import__("inkscribe.model.train", fromlist=["TrainConfig"]).TrainConfig()
    t.add_argument("--preset", default=defaults.preset, help="network size: default, large or tiny")
    t.add_argument("--data", default=defaults.data.root, help="IAM-OnDB folder in its official layout")
    t.add_argument("--cache", default=defaults.data.cache_dir, help="where the preprocessed data is cached")
    t.add_argument("--out", default=defaults.out_dir, help="run folder for checkpoints, logs and samples")
    t.add_argument("--steps", type=int, default=defaults.steps, help="total optimizer steps")
    t.add_argument("--batch-points", type=int, default=defaults.batch_points, help="padded points per batch")
    t.add_argument("--lr", type=float, default=defaults.lr, help="peak learning rate")
    t.add_argument("--eval-every", type=int, default=defaults.eval_every,
                   help="steps between validation, checkpoint and sample sheet")
    t.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: GPU if present)")
    t.add_argument("--resume", action="store_true", help="continue the run in --out where it stopped")
    t.set_defaults(run=_train)

    b = commands.add_parser("bench", help="measure training and sampling speed and memory",
                            description="Print training points/s, sampling seconds per 40-character line "
                                        "(batch 1 and 8), and peak memory, for each preset.")
    b.add_argument("presets", nargs="*", default=["default", "large"], help="presets to measure")
    b.add_argument("--train-steps", type=int, default=3, help="training steps to time per preset")
    b.add_argument("--device", help="cpu, cuda ... (default: GPU if present)")
    b.set_defaults(run=_bench)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
