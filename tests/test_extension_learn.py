"""Extensions › Text › Learn a hand from the selection, through inkex's harness, against a real
daemon (the tiny model); then the Handwriting entry writing with the hand it learnt."""
import sys
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from lxml import etree

import synthetic

sys.path.insert(0, str(Path(__file__).parents[1] / "extension"))

from inkscribe_handwriting import Handwriting  # noqa: E402
from inkscribe_learn import Learn  # noqa: E402

TEXTS = ["hello world", "the quick fox", "jumps over"]
SVG = "{http://www.w3.org/2000/svg}"
NS = "{urn:inkscribe:1}"


def _page(tmp_path: Path) -> Path:
    """Three lines written with the pencil tool, one under another, and the text of each."""
    rng = np.random.default_rng(0)
    paths = []
    for n, text in enumerate(TEXTS):
        for k, stroke in enumerate(synthetic.strokes_for(text, rng, slant=0.3)):
            d = "M " + " L ".join(f"{x + 10:.2f},{y + 20 + 15 * n:.2f}" for x, y in stroke)
            paths.append(f'<path id="w{n}-{k}" d="{d}" style="fill:none;stroke:#000;stroke-width:0.5"/>')
    tspans = "".join(f'<tspan sodipodi:role="line" x="10" y="{80 + 8 * n}">{t}</tspan>' for n, t in enumerate(TEXTS))
    page = tmp_path / "lines.svg"
    page.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/'
        'sodipodi-0.dtd" width="200mm" height="120mm" viewBox="0 0 200 120">'
        f'{"".join(paths)}<text id="said" style="font-size:6px">{tspans}</text>'
        '<text id="new" x="10" y="110" style="font-size:8px">a new line</text></svg>')
    return page


def _ids(page: Path, lines: int) -> list[str]:
    root = etree.parse(str(page)).getroot()
    return [f"--id={p.get('id')}" for p in root.iter(f"{SVG}path") if int(p.get("id")[1]) < lines]


def _learn(page: Path, endpoint: str, *args, lines: int = len(TEXTS), abort: bool = False) -> bytes:
    output = BytesIO()
    argv = [str(page), "--id=said", *_ids(page, lines), f"--endpoint={endpoint}", *args]
    if abort:
        with pytest.raises(SystemExit):
            Learn().run(argv, output=output)
    else:
        Learn().run(argv, output=output)
    return output.getvalue()


def test_a_hand_learnt_from_the_selection_is_kept_and_the_handwriting_entry_writes_with_it(
        daemon, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    page = _page(tmp_path)
    out = _learn(page, daemon.endpoint, "--name=Ada")
    assert "Learnt the hand “Ada” from 3 lines" in capsys.readouterr().err
    assert (tmp_path / "inkscribe" / "hands" / "Ada.hand").is_file()
    assert out == b""   # inkex sends nothing back for a document it did not change: no undo step either
    output = BytesIO()
    Handwriting().run([str(page), "--id=new", "--hand=learnt", f"--endpoint={daemon.endpoint}", "--seed=2"],
                      output=output)
    (group,) = [g for g in etree.fromstring(output.getvalue()).iter(f"{SVG}g") if g.get(f"{NS}text")]
    assert group.get(f"{NS}style-from") == "the hand “Ada”" and capsys.readouterr().err == ""


@pytest.mark.parametrize("args, lines, message", [
    (["--name=Ada"], 2, "The selection holds 2 written lines and the text “hello world the quick fox jump…” "
                        "3 lines of text"),
    (["--name="], 3, "Give the hand a name"),
    (["--name=../x"], 3, "a hand's name is letters, digits"),
])
def test_what_cannot_be_learnt_from_is_said_and_no_hand_is_kept(daemon, tmp_path, monkeypatch, capsys, args, lines,
                                                                 message):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    out = _learn(_page(tmp_path), daemon.endpoint, *args, lines=lines, abort=True)
    err = capsys.readouterr().err
    assert out == b"" and err.startswith("No hand was learnt.") and message in err
    assert not (tmp_path / "inkscribe").exists()

