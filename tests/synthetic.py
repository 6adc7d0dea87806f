"""Small made-up handwriting for tests: fast, and no IAM-OnDB data in the repository."""
import tarfile
from pathlib import Path

import numpy as np

from inkscribe.model.data.iamondb import Line
from inkscribe.model.data.strokes import normalise, to_offsets, to_strokes

TEXTS = ["hello world", "the quick fox", "jumps over", "lazy dogs", "Quiz 42!", "pack my box"]


def strokes_for(text: str, rng: np.random.Generator, slant: float = 0.0) -> list[np.ndarray]:
    """One wavy stroke per word, a bump per letter, so stroke shape follows the text."""
    strokes, x = [], 0.0
    for word in text.split():
        t = np.linspace(0, len(word), 4 * len(word) + 1)
        y = -3 * np.abs(np.sin(np.pi * t)) + rng.normal(0, 0.1, t.shape)
        strokes.append(np.column_stack([x + 5 * t - slant * y, y]).astype(np.float32))
        x += 5 * len(word) + 4
    return strokes


def lines(n: int = 6, seed: int = 0) -> list[Line]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        text = TEXTS[i % len(TEXTS)]
        out.append(Line(f"z01-{i // 3:03d}-{i % 3 + 1:02d}", f"z01-{i // 3:03d}", text,
                        to_offsets(strokes_for(text, rng))))
    return out


def data_lines(n: int = 6, seed: int = 0) -> list[Line]:
    """`lines`, normalised as IAM-OnDB's are: ink 10 units tall, as pictures of real writing show."""
    return [Line(l.id, l.form, l.text, to_offsets(normalise(to_strokes(l.offsets)))) for l in lines(n, seed)]


def official_layout(root: Path, archives: bool) -> None:
    """Write a two-form IAM-OnDB in the official layout (archives or extracted folders)."""
    rng = np.random.default_rng(1)
    forms = {"z01-000a": TEXTS[:2], "z01-001": TEXTS[2:4]}
    for form, texts in forms.items():
        stem = form.rstrip("a")
        ascii_dir = root / "ascii" / "z01" / stem
        ascii_dir.mkdir(parents=True, exist_ok=True)
        (ascii_dir / f"{form}.txt").write_text("OCR:\n\nsomething\n\nCSR:\n\n" + "\n".join(texts) + "\n")
        stroke_dir = root / "lineStrokes" / "z01" / stem
        stroke_dir.mkdir(parents=True, exist_ok=True)
        for n, text in enumerate(texts, 1):
            body = "".join(
                "<Stroke>" + "".join(f'<Point x="{1000 + 40 * x:.0f}" y="{900 + 40 * y:.0f}" time="0"/>'
                                     for x, y in s) + "</Stroke>"
                for s in strokes_for(text, rng))
            (stroke_dir / f"{form}-{n:02d}.xml").write_text(
                f"<WhiteboardCaptureSession><StrokeSet>{body}</StrokeSet></WhiteboardCaptureSession>")
    (root / "splits").mkdir()
    (root / "splits" / "trainset.txt").write_text("z01-000a\n")
    (root / "splits" / "testset_f.txt").write_text("")
    (root / "splits" / "testset_v.txt").write_text("z01-001\n")
    if archives:
        for tree in ["ascii", "lineStrokes"]:
            with tarfile.open(root / f"{tree}-all.tar.gz", "w:gz") as tar:
                tar.add(root / tree, arcname=tree)
            for path in sorted((root / tree).rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            (root / tree).rmdir()
