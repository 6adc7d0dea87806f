"""IAM-OnDB in its official layout: parse once, cache a compact preprocessed form.

Reads either the distributed archives (lineStrokes-all.tar.gz, ascii-all.tar.gz) or
the same trees already extracted, so a user's own download works unchanged.
"""
import os
import re
from collections import defaultdict
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import strokes as S
from ..page.charset import UnknownCharacterError, normalise as normalise_text
from ..config import DataConfig


@dataclass
class Line:
    id: str        # e.g. a01-000u-01
    form: str      # e.g. a01-000u: every line of a form has the same writer
    text: str
    offsets: np.ndarray


def by_form(lines: list) -> dict[str, list[int]]:
    """The indices of the lines written on each form (one writer's session), in order."""
    groups = {}
    for n, line in enumerate(lines):
        groups.setdefault(line.form, []).append(n)
    return groups


def _members(root: Path, tree: str):
    """Yield (relative path, bytes) of every file under `tree`, archive or folder."""
    folder = root / tree
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                yield str(path.relative_to(root)), path.read_bytes()
        return
    with tarfile.open(root / f"{tree}-all.tar.gz") as archive:
        for member in archive:
            if member.isfile():
                yield member.name, archive.extractfile(member).read()


def _transcriptions(root: Path) -> dict[str, list[str]]:
    forms = {}
    for name, raw in _members(root, "ascii"):
        text = raw.decode("latin-1").replace("\r", "")
        if "CSR:" not in text:
            continue
        body = text.split("CSR:", 1)[1].strip("\n").split("\n")
        forms[Path(name).stem] = [line.strip() for line in body if line.strip()]
    return forms


def parse_strokes(raw: bytes) -> list[np.ndarray]:
    root = ET.fromstring(raw)
    out = []
    for stroke in root.iter("Stroke"):
        pts = [(float(p.get("x")), float(p.get("y"))) for p in stroke.iter("Point")]
        if pts:
            out.append(np.array(pts, dtype=np.float32))
    return out


def _split_forms(root: Path) -> dict[str, str]:
    split_of = {}
    for split, files in {"train": ["trainset", "testset_f"], "valid": ["testset_v"]}.items():
        for f in files:
            for form in (root / "splits" / f"{f}.txt").read_text().split():
                split_of[form] = split
    return split_of


def preprocess(cfg: DataConfig) -> dict[str, list[Line]]:
    """Parse every line of the official layout into normalised, simplified offsets."""
    root = Path(cfg.root)
    texts = _transcriptions(root)
    split_of = _split_forms(root)
    data = {"train": [], "valid": []}
    before = after = chars = 0
    skipped = {"no text": 0, "unknown characters": 0, "too long": 0}
    for name, raw in tqdm(list(_members(root, "lineStrokes")), desc="preprocessing IAM-OnDB", unit=" lines"):
        line_id = Path(name).stem
        form, number = re.match(r"(.+)-(\d+)$", line_id).groups()
        split = split_of.get(form) or split_of.get(re.sub(r"[a-z]$", "", form))
        lines = texts.get(form, [])
        if split is None:
            continue
        if int(number) > len(lines):
            skipped["no text"] += 1
            continue
        try:
            text = normalise_text(lines[int(number) - 1])
        except UnknownCharacterError:
            skipped["unknown characters"] += 1
            continue
        raw_strokes = S.normalise(parse_strokes(raw))
        simple = S.simplify(raw_strokes, cfg.epsilon, cfg.max_step)
        offsets = S.to_offsets(simple)
        if len(offsets) > cfg.max_points or not text:
            skipped["too long"] += 1
            continue
        before += sum(len(s) for s in raw_strokes)
        after += len(offsets)
        chars += len(text)
        data[split].append(Line(line_id, form, text, offsets))
    print(f"IAM-OnDB: {len(data['train'])} training and {len(data['valid'])} validation lines; "
          f"points per character {before / chars:.1f} raw -> {after / chars:.1f} simplified; "
          f"skipped {skipped}")
    return data


def _cache_path(cfg: DataConfig) -> Path:
    return Path(cfg.cache_dir) / f"iamondb-eps{cfg.epsilon}-step{cfg.max_step}-max{cfg.max_points}.npz"


def save_lines(path: Path, data: dict[str, list[Line]]) -> None:
    """Lines by split, as one compressed file (written beside, then renamed: never torn)."""
    records = [(split, line) for split, lines in data.items() for line in lines]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(
        tmp,
        split=np.array([s for s, _ in records]),
        id=np.array([l.id for _, l in records]),
        form=np.array([l.form for _, l in records]),
        text=np.array([l.text for _, l in records]),
        length=np.array([len(l.offsets) for _, l in records]),
        offsets=np.concatenate([l.offsets for _, l in records]).astype(np.float32),
    )
    os.replace(tmp, path)


def load_lines(path: Path) -> dict[str, list[Line]]:
    with np.load(path) as z:
        z = {k: z[k] for k in z.files}  # each access of an npz member decompresses it anew
    ends = np.cumsum(z["length"])
    data = defaultdict(list)
    for split, line_id, form, text, end, n in zip(z["split"], z["id"], z["form"], z["text"], ends, z["length"]):
        data[str(split)].append(Line(str(line_id), str(form), str(text), z["offsets"][end - n:end]))
    return dict(data)


def load(cfg: DataConfig) -> dict[str, list[Line]]:
    """The preprocessed data set, parsed on first use and cached for the next."""
    path = _cache_path(cfg)
    if not path.exists():
        save_lines(path, preprocess(cfg))
    return {"train": [], "valid": [], **load_lines(path)}
