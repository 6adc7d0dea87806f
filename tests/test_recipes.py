"""The shipped weights' recipes, as files `inkscribe train` and `inkscribe distil` run."""
from dataclasses import replace
from pathlib import Path

import torch

import synthetic
from inkscribe.daemon.cli import main
from inkscribe.daemon.cli.options import recipe
from inkscribe.model.config import DistilConfig, TrainConfig

RECIPES = sorted((Path(__file__).parents[1] / "model" / "recipes").glob("*.toml"))


def test_each_stage_is_options_the_commands_take_and_starts_from_the_stage_before():
    assert len(RECIPES) == 9
    made = None
    for path in RECIPES:
        train = replace(TrainConfig(), **recipe(str(path), "train", TrainConfig))
        distil = recipe(str(path), "distil", DistilConfig)
        if made is not None:
            assert train.init == f"{made}/checkpoint.pt", path.name
        if distil:
            assert replace(DistilConfig(), **distil).checkpoint == train.init and train.extra_words == distil["out"]
        made = train.out_dir
    assert f"inkscribe export {made}/checkpoint.pt" in (RECIPES[0].parent / "README.md").read_text()


def test_train_runs_a_recipe_and_options_given_override_it(tmp_path, capsys):
    synthetic.official_layout(tmp_path / "iam", archives=False)
    run = tmp_path / "run"
    (tmp_path / "r.toml").write_text(f'[train]\npreset = "tiny"\nsteps = 5\nlr = 0.002\nwarmup = 1\neval_every = 1\n'
                                     f'out_dir = "{run}"\n')
    data = ["--data", str(tmp_path / "iam"), "--cache", str(tmp_path / "cache")]
    assert main(["train", "--recipe", str(tmp_path / "r.toml"), "--steps", "1", *data]) == 0
    state = torch.load(run / "checkpoint.pt", weights_only=False)
    assert state["step"] == 1 and (state["train_config"]["lr"], state["train_config"]["preset"]) == (0.002, "tiny")
    (tmp_path / "bad.toml").write_text('[train]\nlearning_rate = 0.1\n')
    assert main(["train", "--recipe", str(tmp_path / "bad.toml"), *data]) == 1
    assert "learning_rate" in capsys.readouterr().err
