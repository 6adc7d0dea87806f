"""`inkscribe hand`: a template to copy, a hand learnt from an SVG of written lines, listed,
written with, forgotten; against a real daemon."""
import os
import subprocess
import sys

import numpy as np

import synthetic

TEXTS = ["hello world", "the quick fox", "jumps over", "lazy dogs"]


def _inkscribe(*arguments, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", *arguments], capture_output=True, text=True,
                          timeout=180, env=env)


def _written_lines(path, texts):
    """An SVG of the lines drawn one under another with a pencil tool: one path per stroke."""
    rng = np.random.default_rng(0)
    paths = []
    for k, text in enumerate(texts):
        for stroke in synthetic.strokes_for(text, rng, slant=0.3):
            points = " ".join(f"{x * 3 + 20:.1f},{y * 3 + 40 + 60 * k:.1f}" for x, y in stroke)
            paths.append(f'<path d="M {points}" style="fill:none;stroke:#000"/>')
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">' + "".join(paths) + "</svg>")


def test_a_hand_is_learnt_from_written_lines_kept_by_name_written_with_and_forgotten(daemon, tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    _written_lines(tmp_path / "lines.svg", TEXTS)
    (tmp_path / "lines.txt").write_text("\n".join(TEXTS) + "\n")
    learnt = _inkscribe("hand", "learn", str(tmp_path / "lines.svg"), "--text-file", str(tmp_path / "lines.txt"),
                        "--name", "Ada", "--endpoint", daemon.endpoint, env=env)
    assert learnt.returncode == 0, learnt.stderr
    assert "learnt the hand “Ada” from 4 lines" in learnt.stderr and "step" in learnt.stderr
    assert (tmp_path / "data" / "inkscribe" / "hands" / "Ada.hand").is_file()
    assert "Ada: learnt from 4 lines" in _inkscribe("hand", "list", env=env).stdout
    out = tmp_path / "hello.svg"
    written = _inkscribe("write", "hello there", "--hand", "Ada", "-o", str(out), "--endpoint", daemon.endpoint,
                         env=env)
    assert written.returncode == 0, written.stderr
    assert out.read_text().count("<path") >= 2
    assert _inkscribe("hand", "forget", "Ada", env=env).returncode == 0
    gone = _inkscribe("write", "hello", "--hand", "Ada", "-o", str(out), "--endpoint", daemon.endpoint, env=env)
    assert gone.returncode == 1 and "there is no hand “Ada”" in gone.stderr


def test_written_lines_and_text_lines_that_do_not_match_are_both_counted_before_any_learning(tmp_path):
    _written_lines(tmp_path / "lines.svg", TEXTS)
    (tmp_path / "lines.txt").write_text("\n".join(TEXTS[:3]))
    done = _inkscribe("hand", "learn", str(tmp_path / "lines.svg"), "--text-file", str(tmp_path / "lines.txt"),
                      "-o", str(tmp_path / "h.hand"), "--endpoint", "tcp://127.0.0.1:9")
    assert done.returncode == 1 and "4 written lines" in done.stderr and "3 lines of text" in done.stderr
    assert not (tmp_path / "h.hand").exists()


def test_the_template_is_a_ruled_sheet_of_every_small_letter_several_times_with_its_text_beside_it(tmp_path):
    done = _inkscribe("hand", "template", "-o", str(tmp_path / "sheet.svg"))
    assert done.returncode == 0, done.stderr
    texts = (tmp_path / "sheet.txt").read_text().splitlines()
    assert all(sum(t.lower().count(c) for t in texts) >= 3 for c in "abcdefghijklmnopqrstuvwxyz")
    assert any(c.isdigit() for c in "".join(texts)) and any(t.isupper() for t in texts)
    sheet = (tmp_path / "sheet.svg").read_text()
    assert all(t.replace("&", "&amp;") in sheet for t in texts) and sheet.count("<line") == 2 * len(texts)


def test_a_hand_and_a_style_are_not_asked_for_together(tmp_path):
    done = _inkscribe("write", "x", "--hand", "Ada", "--style", str(tmp_path / "a.png"), "-o", str(tmp_path / "x.svg"))
    assert done.returncode == 1 and "not both" in done.stderr


def test_a_hand_is_learnt_from_a_picture_of_the_lines_traced_into_strokes_and_a_blank_one_is_refused(daemon, tmp_path):
    from PIL import Image

    from inkscribe.model.style.references import render

    rows = [render(line.offsets, 8, width=3) for line in synthetic.data_lines(4)]
    page = Image.new("L", (max(r.width for r in rows), sum(r.height for r in rows)), 255)
    for k, row in enumerate(rows):
        page.paste(row.convert("L"), (0, sum(r.height for r in rows[:k])))
    page.save(tmp_path / "lines.png")
    (tmp_path / "lines.txt").write_text("\n".join(line.text for line in synthetic.data_lines(4)))
    learnt = _inkscribe("hand", "learn", str(tmp_path / "lines.png"), "--text-file", str(tmp_path / "lines.txt"),
                        "-o", str(tmp_path / "ada.hand"), "--endpoint", daemon.endpoint)
    assert learnt.returncode == 0, learnt.stderr
    assert (tmp_path / "ada.hand").stat().st_size > 1000
    Image.new("L", (600, 200), 255).save(tmp_path / "blank.png")
    blank = _inkscribe("hand", "learn", str(tmp_path / "blank.png"), "--text-file", str(tmp_path / "lines.txt"),
                       "-o", str(tmp_path / "b.hand"), "--endpoint", daemon.endpoint)
    assert blank.returncode == 1 and "traces to no lines of writing" in blank.stderr
