"""Debian's real Inkscape, headless, applying the installed extension to a selected text."""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from lxml import etree

from daemon_process import DaemonProcess, tiny_weights

SVG = "{http://www.w3.org/2000/svg}"
NS = "urn:inkscribe:1"
INKSCAPE = "{http://www.inkscape.org/namespaces/inkscape}"
DATA = os.path.join(os.path.dirname(__file__), "data", "svg")

pytestmark = pytest.mark.skipif(not (shutil.which("inkscape") and shutil.which("xvfb-run")),
                                reason="needs Debian's inkscape and xvfb (installed by .ci/run)")


def _apply_in_inkscape(tmp_path, svg: str, text_id: str):
    """Install the extension into a fresh profile, and have Inkscape (under a virtual X
    server) apply it to one selected text; the document Inkscape saves."""
    profile = tmp_path / "profile"
    env = {**os.environ, "INKSCAPE_PROFILE_DIR": str(profile)}
    installed = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "install-extension"],
                               capture_output=True, text=True, env=env, timeout=120)
    assert installed.returncode == 0, installed.stderr
    assert (profile / "extensions" / "inkscribe" / "inkscribe_handwriting.inx").exists()

    daemon = DaemonProcess(tiny_weights(tmp_path / "tiny.pt"))
    try:
        shutil.copy(os.path.join(DATA, svg), tmp_path / "in.svg")
        out = tmp_path / "out.svg"
        actions = (f"select-by-id:{text_id};org.inkscribe.handwriting.noprefs;export-filename:{out};"
                   "export-plain-svg;export-overwrite;export-do")
        done = subprocess.run(["xvfb-run", "-a", "inkscape", "--with-gui", "--batch-process",
                               str(tmp_path / "in.svg"), f"--actions={actions}"],
                              capture_output=True, text=True, timeout=300,
                              env={**env, "INKSCRIBE_ENDPOINT": daemon.endpoint})
        assert out.exists(), done.stderr[-3000:]
    finally:
        daemon.stop()
    return etree.parse(str(out)).getroot()


def test_inkscape_applies_the_installed_extension_by_its_id(tmp_path):
    root = _apply_in_inkscape(tmp_path, "multi_line.svg", "t1")
    texts = {t.get("id") for t in root.iter(f"{SVG}text")}
    assert "t1" not in texts and "t2" in texts          # only the selected text was replaced
    group = next(g for g in root.iter(f"{SVG}g") if g.findall(f"{SVG}g/{SVG}path"))
    rows = group.findall(f"{SVG}g")
    assert len(rows) == 3                               # one group per line of the text
    assert all(r.get("transform").startswith("translate(80") for r in rows)  # where the text was
    assert all("M" in p.get("d") for r in rows for p in r.findall(f"{SVG}path"))


def test_flowed_text_as_inkscape_hands_it_over_is_written_in_its_paragraphs_inside_its_frame(tmp_path):
    # Inkscape gives the extension the text with its own font's line breaks as tspans; the
    # handwriting keeps only the real paragraphs and breaks them again to the frame (x 100-400).
    root = _apply_in_inkscape(tmp_path, "flowed_saved.svg", "t1")
    group = next(g for g in root.iter(f"{SVG}g") if g.get(f"{{{NS}}}text") is not None)
    # Inkscape saves a newline in an attribute as it is, which a parser reads as a space; the
    # layout kept for writing the group again holds the paragraphs whole.
    layout = json.loads(group.get(f"{{{NS}}}layout"))
    assert [line for line, _, _ in layout["lines"]] == [
        "Dear Ada, thank you so much for the letter and the photographs of the garden in spring.", "With love, Jo"]
    rows = group.findall(f"{SVG}g")
    assert len(rows) >= 3   # the first paragraph broken again, the second on a line of its own
    for row in rows:
        x = float(row.get("transform").split("(")[1].split(",")[0])
        right = max(float(v) for p in row.iter(f"{SVG}path") for v in re.findall(r"(-?[\d.]+),", p.get("d")))
        assert x == pytest.approx(100) and x + right <= 400 + 1


def test_an_error_in_inkscapes_batch_mode_is_said_on_its_stderr_and_does_not_hang_the_run(tmp_path):
    # A dialog would wait for someone to close it: in batch mode nobody is there.
    env = {**os.environ, "INKSCAPE_PROFILE_DIR": str(tmp_path / "profile")}
    subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "install-extension"], check=True,
                   capture_output=True, env=env, timeout=120)
    shutil.copy(os.path.join(DATA, "multi_line.svg"), tmp_path / "in.svg")
    out = tmp_path / "out.svg"
    actions = f"org.inkscribe.handwriting.noprefs;export-filename:{out};export-plain-svg;export-overwrite;export-do"
    done = subprocess.run(["xvfb-run", "-a", "inkscape", "--batch-process", str(tmp_path / "in.svg"),
                           f"--actions={actions}"], capture_output=True, text=True, timeout=120, env=env)
    assert "Select one or more text objects" in done.stdout + done.stderr
    root = etree.parse(str(out)).getroot()
    assert {t.get("id") for t in root.iter(f"{SVG}text")} >= {"t1", "t2"}   # the document as it was


def test_inkscape_reads_a_letter_written_as_one_document_as_its_pages(tmp_path):
    daemon = DaemonProcess(tiny_weights(tmp_path / "tiny.pt"))
    try:
        letter = "Dear Ada,\n\n" + " ".join(["thank you for the kind letter"] * 12) + "\n\nWith love, Jo\n"
        written = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "-o", str(tmp_path / "l.svg"),
                                  "--page", "80x60", "--margin", "8", "--size", "20", "--seed", "1", "--one-document",
                                  "--endpoint", daemon.endpoint], input=letter, capture_output=True, text=True,
                                 timeout=180)
        assert written.returncode == 0, written.stderr
    finally:
        daemon.stop()
    pages = len(etree.parse(str(tmp_path / "l.svg")).getroot().findall(f".//{INKSCAPE}page"))
    subprocess.run(["inkscape", str(tmp_path / "l.svg"), "--export-type=pdf",
                    f"--export-filename={tmp_path / 'l.pdf'}"], capture_output=True, timeout=120)
    pdf = (tmp_path / "l.pdf").read_bytes()
    assert pages >= 2 and len(re.findall(rb"/Type\s*/Page\b", pdf)) == pages
