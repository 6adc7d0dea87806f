"""The two legibility judges eval reads lines with: tesseract (a general OCR engine) and
an IAM-trained handwriting recogniser (PyPI's easyhtr, an ONNX model run in a Python of its
own, since it pins its own numpy and onnxruntime; `install/easyhtr.sh` makes it).

Both read pictures: of a real line, rendered from its pen points, or of what a user gets,
drawn from the reply's path data (`drawing.draw`).
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from .cer import cer

HTR_READER = Path(__file__).with_name("easyhtr_read.py")
HTR_PYTHON = Path(__file__).resolve().parents[2] / ".cache" / "easyhtr" / "bin" / "python"
HTR_VARIABLE = "INKSCRIBE_EASYHTR_PYTHON"
# What the recogniser can write: capitals, digits, apostrophes and hyphens.
_NOT_READ = re.compile(r"[^A-Z0-9'\- ]")


def htr_python() -> Path | None:
    """The Python the recogniser runs in: $INKSCRIBE_EASYHTR_PYTHON, or the one
    install/easyhtr.sh makes; None where there is neither."""
    path = Path(os.environ.get(HTR_VARIABLE) or HTR_PYTHON)
    return path if path.exists() else None


def htr_cer(text: str, read: str) -> float:
    """CER in the recogniser's alphabet: both in capitals, without what it cannot write."""
    clean = lambda s: " ".join(_NOT_READ.sub("", s.upper().replace("’", "'")).split())
    return cer(clean(text), clean(read))


def tesseract(images: list[Image.Image], language: str = "eng") -> list[str] | None:
    """Each picture read as one line of text; None without tesseract."""
    if shutil.which("tesseract") is None:
        return None
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "line.png"
        for image in images:
            image.save(path)
            done = subprocess.run(["tesseract", str(path), "stdout", "--psm", "7", "-l", language],
                                  capture_output=True, text=True, timeout=60)
            out.append(" ".join(done.stdout.split()))
    return out


def recogniser(images: list[Image.Image]) -> list[str] | None:
    """Each picture read by the IAM-trained recogniser, all in one run of its Python; None
    where it is not installed."""
    python = htr_python()
    if python is None or not images:
        return None if python is None else []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, image in enumerate(images):
            paths.append(str(Path(tmp) / f"{k}.png"))
            image.save(paths[-1])
        done = subprocess.run([str(python), str(HTR_READER), *paths], capture_output=True, text=True,
                              timeout=60 + 5 * len(paths))
    if done.returncode != 0:
        raise RuntimeError(f"the recogniser failed: {done.stderr.strip()[-500:]}")
    return [json.loads(line) for line in done.stdout.splitlines()]
