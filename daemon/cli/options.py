"""Command-line options made from the configs' own fields (model/config.py declares each
once, with its help), and recipes: TOML files of those options that a command runs."""
import argparse
import tomllib
from dataclasses import MISSING, fields


def within(low: float, high: float, integer: bool = False):
    """An option's type: a number from `low` to `high`, refused by argparse with the range
    otherwise (nan, inf and a negative spacing were taken, and failed later or wrote nonsense)."""
    def number(text: str):
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'a whole number' if integer else 'a number'}") from None
        if not low <= value <= high:   # false for nan as well
            raise argparse.ArgumentTypeError(f"{text} is not between {low:g} and {high:g}")
        return value
    number.__name__ = "number"
    return number


TIMEOUT = within(1, 86400)   # seconds a command waits for the daemon: at most the day the daemon allows


def _default(f):
    return f.default if f.default is not MISSING else f.default_factory()


def _shown(value) -> str:
    return f"{value:g}" if isinstance(value, float) else " ".join(map(str, value)) if isinstance(value, tuple) \
        else str(value)


def add_options(parser: argparse.ArgumentParser, cls) -> None:
    """An option for every field of `cls` that has a help text. Each defaults to None, so that
    what was given can be told from what was not (`given`); the help says the config's default."""
    for f in fields(cls):
        meta = f.metadata
        if not meta.get("help"):
            continue
        default = _default(f)
        flag = meta["flag"] or "--" + f.name.replace("_", "-")
        if isinstance(default, bool):   # a switch that turns the default around
            parser.add_argument(flag, dest=f.name, action="store_const", const=not default, help=meta["help"])
            continue
        shown = f" (default {_shown(default)})" if default is not None and "(default" not in meta["help"] else ""
        parser.add_argument(flag, dest=f.name, type=meta["type"] or type(default), metavar=meta["metavar"],
                            nargs="+" if isinstance(default, tuple) else None, help=meta["help"] + shown)


def given(args: argparse.Namespace, cls) -> dict:
    """The options of `cls` given on the command line."""
    return {f.name: (tuple(v) if isinstance(v, list) else v) for f in fields(cls) if f.metadata.get("help")
            and (v := getattr(args, f.name, None)) is not None}


def recipe(path: str | None, table: str, cls) -> dict:
    """The options a recipe file's [table] sets for `cls` (none without a file); a name the
    config has no option for is an error, not silently dropped."""
    if not path:
        return {}
    try:
        with open(path, "rb") as f:
            values = tomllib.load(f).get(table, {})
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"cannot read the recipe {path}: {e}") from None
    known = {f.name for f in fields(cls) if f.metadata.get("help")}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"the recipe {path} sets {', '.join(unknown)} under [{table}], which is not an option of it "
                         f"(its options: {', '.join(sorted(known))})")
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
