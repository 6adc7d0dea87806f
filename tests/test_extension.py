"""The Inkscape extension on real SVG files, through inkex's own test harness, against a real daemon."""
import atexit
import base64
import re
import os
import shutil
import signal
import sys
from io import BytesIO
from pathlib import Path

import inkex
import pytest
from inkex.tester import ComparisonMixin, TestCase
from inkex.tester.inx import InxMixin
from lxml import etree

from daemon_process import DaemonProcess, free_endpoint, tiny_weights
from inkscribe.daemon.client import Client

EXTENSION = Path(__file__).parents[1] / "extension"
sys.path.insert(0, str(EXTENSION))

from inkscribe_handwriting import Handwriting  # noqa: E402

DATA = Path(__file__).parent / "data"
SVG = "{http://www.w3.org/2000/svg}"
NS = "{urn:inkscribe:1}"
INKSCAPE = "http://www.inkscape.org/namespaces/inkscape"
_daemon = {}


def daemon_endpoint(standin: bool = False) -> str:
    """One daemon with the tiny model, and one with the stand-in writer, for the whole module,
    stopped when tests end; the extension is pointed at the one asked for."""
    name = "standin" if standin else "tiny"
    if name not in _daemon:
        if standin:
            _daemon[name] = DaemonProcess(None)
        else:
            _daemon["weights"] = tiny_weights(Path(os.environ.get("TMPDIR", "/tmp")) / f"inkscribe-ext-{os.getpid()}.pt")
            # No stroke reader: each word's one version, as sampled.
            _daemon[name] = DaemonProcess(_daemon["weights"], None, "--reader", "none")
        atexit.register(_daemon[name].stop)
    os.environ["INKSCRIBE_ENDPOINT"] = _daemon[name].endpoint
    return _daemon[name].endpoint


NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?")


def _differences(a, b, where: str, tolerance: float):
    """Where two documents differ: tags, attributes, text, and numbers by more than `tolerance`."""
    if a.tag != b.tag:
        yield f"{where}: <{a.tag}> against <{b.tag}>"
        return
    for name in sorted(set(a.attrib) | set(b.attrib)):
        x, y = a.get(name), b.get(name)
        if x is None or y is None or NUMBER.sub("#", x) != NUMBER.sub("#", y):
            yield f"{where}/@{name}: {x!r} against {y!r}"
        elif any(abs(float(m.group()) - float(n.group())) > tolerance
                 for m, n in zip(NUMBER.finditer(x), NUMBER.finditer(y))):
            yield f"{where}/@{name}: numbers differ by more than {tolerance}: {x[:120]!r} against {y[:120]!r}"
    if (a.text or "").strip() != (b.text or "").strip():
        yield f"{where}: text {a.text!r} against {b.text!r}"
    if len(a) != len(b):
        yield f"{where}: {len(a)} children against {len(b)}"
    for k, (x, y) in enumerate(zip(a, b)):
        yield from _differences(x, y, f"{where}/{etree.QName(x).localname if isinstance(x.tag, str) else x.tag}[{k}]",
                                tolerance)


class GeometryComparison:
    """Listed before inkex's ComparisonMixin: its comparison of the output with a reference, the
    numbers (path data, transforms, widths) within a hundredth of a pixel and a rounding step,
    against the stand-in writer."""
    tolerance = 0.02

    def setUp(self):
        super().setUp()
        daemon_endpoint(standin=True)

    def _base_compare(self, data_a, data_b, compare_mode):
        found = etree.fromstring(self._apply_compare_filters(data_a))
        expected = etree.fromstring(data_b if isinstance(data_b, bytes) else Path(data_b).read_bytes())
        problems = list(_differences(found, expected, "svg", self.tolerance))
        self.assertFalse(problems, "\n".join(problems[:10]))


class TestSingleAndMultiLine(GeometryComparison, ComparisonMixin, TestCase):
    effect_class = Handwriting
    compare_file = ["svg/single_line.svg", "svg/multi_line.svg"]
    comparisons = [("--id=t1", "--seed=3")]


class TestFlowedText(GeometryComparison, ComparisonMixin, TestCase):
    effect_class = Handwriting
    compare_file = "svg/flowed.svg"
    comparisons = [("--id=t1", "--id=t2", "--seed=3")]


class TestTransformedAndCentred(GeometryComparison, ComparisonMixin, TestCase):
    effect_class = Handwriting
    compare_file = ["svg/transformed.svg", "svg/centred.svg"]
    comparisons = [("--id=t1", "--id=t2", "--seed=3", "--keep_text=true")]


class TestStyleFromImages(GeometryComparison, ComparisonMixin, TestCase):
    effect_class = Handwriting
    compare_file = "svg/images.svg"
    comparisons = [("--id=t1", "--id=embedded", "--id=linked", "--source=pictures", "--seed=3")]


class TestStyleFromDrawnStrokes(GeometryComparison, ComparisonMixin, TestCase):
    effect_class = Handwriting
    compare_file = "svg/drawn.svg"
    comparisons = [("--id=t1", "--id=pencil", "--source=drawn", "--seed=3")]


class TestInx(InxMixin, TestCase):
    def test_inx_files(self):
        cwd = os.getcwd()
        os.chdir(EXTENSION)  # inkex finds the .inx's script relative to the working directory
        try:
            for inx in ("inkscribe_handwriting.inx", "inkscribe_learn.inx"):
                self.assertInxIsGood(inx)
                # Inkscape makes each entry an action named by its id, and GIO's action names
                # take letters, digits, '-' and '.': with an '_' the entry is in no menu.
                ident = etree.parse(inx).find("{*}id").text
                self.assertRegex(ident, r"^[A-Za-z0-9.-]+$")
        finally:
            os.chdir(cwd)


# ---- behaviour a user notices ------------------------------------------------------
def run(svg: str, *args, expect_abort=False):
    """Run the extension on a data file; return (output document or None, stderr text)."""
    daemon_endpoint()
    path = DATA / "svg" / svg
    os.environ["DOCUMENT_PATH"] = str(path)
    output = BytesIO()
    effect = Handwriting()
    if expect_abort:
        with pytest.raises(SystemExit):
            effect.run([str(path), *args], output=output)
        return output.getvalue(), None
    effect.run([str(path), *args], output=output)
    return etree.fromstring(output.getvalue()), None


def groups(root):
    return [g for g in root.iter(f"{SVG}g") if g.get(f"{NS}text") is not None]


def test_text_becomes_a_group_of_stroked_paths_in_its_place_and_colour():
    root, _ = run("single_line.svg", "--id=t1", "--seed=2")
    assert root.find(f".//{SVG}text") is None
    (group,) = groups(root)
    assert group.get(f"{NS}text") == "Hello world" and group.get(f"{NS}seed") == "2"
    assert "stroke:#1a3c8f" in group.get("style") and "fill:none" in group.get("style")
    assert "stroke-linecap:round" in group.get("style")
    (line,) = group.findall(f"{SVG}g")
    paths = line.findall(f"{SVG}path")
    assert paths and all(p.get("d").startswith("M") for p in paths)
    # The line starts at the text's x, and its ink sits around the baseline's x-height.
    assert line.get("transform").startswith("translate(100")


def test_a_gradient_fill_gives_its_first_colour_and_the_pen_width_is_in_mm():
    root, _ = run("gradient.svg", "--id=t1", "--pen_width=0.5")
    style = groups(root)[0].get("style")
    assert "stroke:#aa2200" in style
    assert float(style.split("stroke-width:")[1].split(";")[0]) == pytest.approx(0.5 * 793.7 / 210, rel=1e-3)


def test_keep_text_hides_the_original_instead_of_deleting_it():
    root, _ = run("single_line.svg", "--id=t1", "--keep_text=true")
    text = root.find(f".//{SVG}text")
    assert text is not None and "display:none" in text.get("style")
    assert len(groups(root)) == 1


def test_multi_line_text_keeps_its_line_positions():
    root, _ = run("multi_line.svg", "--id=t1")
    rows = groups(root)[0].findall(f"{SVG}g")
    ys = [float(r.get("transform").split(",")[1].rstrip(")")) for r in rows]
    assert len(rows) == 3 and ys[1] - ys[0] == pytest.approx(36) and ys[2] - ys[1] == pytest.approx(36)


def test_flowed_text_is_rewrapped_into_its_frame():
    root, _ = run("flowed.svg", "--id=t1", "--id=t2")
    svg2, flow = groups(root)[0], groups(root)[1]
    assert len(svg2.findall(f"{SVG}g")) >= 3  # a long sentence in a 260 px frame
    assert "Done." in flow.get(f"{NS}text").split("\n")


def test_flowed_text_as_inkscape_saves_it_is_broken_by_the_written_words_to_fill_its_frame():
    root, _ = run("flowed_saved.svg", "--id=t1", "--seed=4")
    (group,) = groups(root)
    # Inkscape's saved line breaks are its font's; only the newline ends a paragraph.
    assert group.get(f"{NS}text") == ("Dear Ada, thank you so much for the letter and the photographs of the "
                                      "garden in spring.\nWith love, Jo")
    rows = group.findall(f"{SVG}g")
    labels = [r.get(f"{{{INKSCAPE}}}label").split(": ", 1)[1] for r in rows]
    assert " ".join(labels[:-1]).split() == "Dear Ada, thank you so much for the letter and the photographs of " \
        "the garden in spring.".split() and labels[-1] == "With love, Jo"
    for row, label in zip(rows, labels):
        right = max(float(x) for p in row.iter(f"{SVG}path") for x in re.findall(r"(-?[\d.]+),", p.get("d")))
        assert right <= 300 + 1 or " " not in label          # inside the frame, unless one word is wider
    ys = [float(r.get("transform").split(",")[1].rstrip(")")) for r in rows]
    assert ys == sorted(ys) and ys[1] - ys[0] == pytest.approx(25)


def test_a_handwriting_group_is_written_again_in_place_with_a_new_seed(tmp_path):
    first, _ = run("multi_line.svg", "--id=t1", "--seed=2")
    (group,) = groups(first)
    group.set("id", "hw1")
    again_file = tmp_path / "written.svg"
    again_file.write_bytes(etree.tostring(first))
    output = BytesIO()
    Handwriting().run([str(again_file), "--id=hw1", "--seed=9"], output=output)
    (again,) = groups(etree.fromstring(output.getvalue()))
    assert again.get(f"{NS}text") == group.get(f"{NS}text") and again.get(f"{NS}seed") == "9"
    rows, new_rows = group.findall(f"{SVG}g"), again.findall(f"{SVG}g")
    assert [r.get("transform") for r in new_rows] == [r.get("transform") for r in rows]   # in place
    assert [p.get("d") for p in again.iter(f"{SVG}path")] != [p.get("d") for p in group.iter(f"{SVG}path")]
    assert again.get("style") == group.get("style")


def _ink_box(root):
    """The handwriting's bounding box in the document, transforms applied."""
    document = inkex.load_svg(BytesIO(etree.tostring(root))).getroot()
    (group,) = [e for e in document.iter() if e.get(f"{NS}text") is not None]
    return group.bounding_box(group.getparent().composed_transform())


def test_for_a_plotter_the_strokes_are_polylines_in_place_without_transforms_and_in_a_shorter_order():
    curves, _ = run("transformed.svg", "--id=t1", "--seed=4")
    plotted, _ = run("transformed.svg", "--id=t1", "--seed=4", "--plotter=true")
    (group,) = groups(plotted)
    assert all(g.get("transform") is None for g in group.iter(f"{SVG}g"))
    paths = list(group.iter(f"{SVG}path"))
    assert paths and all(re.fullmatch(r"M[-\d.,]+( L[-\d.,]+)*", p.get("d")) for p in paths)
    # The same ink where the curves' transforms put it (in the layer's space; within the tolerance).
    assert _ink_box(plotted).left == pytest.approx(_ink_box(curves).left, abs=0.5)
    assert _ink_box(plotted).bottom == pytest.approx(_ink_box(curves).bottom, abs=0.5)
    after, before = map(float, re.findall(r"[\d.]+", group.get(f"{NS}pen-up-travel")))
    assert 0 < after <= before
    assert len(paths) == len(list(groups(curves)[0].iter(f"{SVG}path")))


def test_nothing_selected_is_an_error_and_changes_nothing(capsys):
    out, _ = run("single_line.svg", expect_abort=True)
    assert out == b"" and "Select one or more text objects" in capsys.readouterr().err


def test_unknown_characters_are_named_with_the_text_they_are_in_and_change_nothing(capsys):
    out, _ = run("unknown.svg", "--id=t1", expect_abort=True)
    err = capsys.readouterr().err
    assert out == b"" and "U+20B9" in err and "U+FB01" in err and "The text “Ma\ufb01e ₹5”" in err and "t1" not in err


@pytest.mark.parametrize("choice, written", [("plain", "Mafie  5"), ("gap", "Ma e  5")])
def test_characters_the_model_cannot_write_can_be_written_plain_or_left_out(capsys, choice, written):
    root, _ = run("unknown.svg", "--id=t1", f"--unknown_chars={choice}")
    (group,) = groups(root)
    assert group.get(f"{NS}text") == "Ma\ufb01e ₹5"       # the text is kept as typed
    assert group.find(f"{SVG}g").get(f"{{{INKSCAPE}}}label") == f"line 1: {written}"
    # The ₹ of an amount is never dropped without a word: the group keeps what was left out,
    # and written "plain" (where a user expects letters, not gaps) it is said.
    assert group.get(f"{NS}not-written") == ("₹" if choice == "plain" else "₹ﬁ")
    said = capsys.readouterr().err
    assert ("Written with a gap for ₹ (U+20B9)" in said) == (choice == "plain")


def test_texts_inside_a_selected_layer_or_group_are_all_written_at_their_tspan_size():
    root, _ = run("grouped.svg", "--id=layer1")
    written = {g.get(f"{NS}text"): g.get(f"{NS}font-size") for g in groups(root)}
    assert written == {"Big words": "32px", "Small": "16px"}   # 24 pt set on the line's tspan
    assert root.find(f".//{SVG}defs/{SVG}text") is not None  # not on the page, not written


def test_settings_are_saved_under_the_inkscribe_prefix():
    daemon_endpoint()
    output = BytesIO()
    Handwriting().run([str(DATA / "svg" / "single_line.svg"), "--id=t1"], output=output)
    assert b"inkscribe:seed=" in output.getvalue() and b"ns2:" not in output.getvalue()


@pytest.mark.parametrize("image, message", [("missing", "The image no-such-file.png: linked file"),
                                            ("broken", "The image “Scan of Ada's note” is not a PNG or JPEG picture"),
                                            ("passwd", "The image passwd links to /etc/passwd, outside this document's "
                                                       "folder and your home folder"),
                                            ("environ", "The image environ links to /proc/")])
def test_bad_images_are_reported_by_name_and_change_nothing(capsys, image, message):
    out, _ = run("images.svg", "--id=t1", f"--id={image}", "--source=pictures", expect_abort=True)
    err = capsys.readouterr().err
    assert out == b"" and message in err


def test_daemon_that_cannot_start_is_reported(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("INKSCRIBE_CHECKPOINT", str(tmp_path / "no-such-weights.pt"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    endpoint = free_endpoint()
    out, _ = run("single_line.svg", "--id=t1", f"--endpoint={endpoint}", expect_abort=True)
    err = capsys.readouterr().err
    assert out == b"" and "could not be started" in err


def test_daemon_that_is_not_running_is_started(monkeypatch, tmp_path):
    daemon_endpoint()
    monkeypatch.setenv("INKSCRIBE_CHECKPOINT", str(_daemon["weights"]))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    endpoint = free_endpoint()
    root, _ = run("single_line.svg", "--id=t1", f"--endpoint={endpoint}")
    client = Client(endpoint)
    try:
        assert groups(root) and client.ping()
    finally:
        os.kill(client.info()["pid"], signal.SIGTERM)


def _strokes(root) -> list[str]:
    return [p.get("d") for p in groups(root)[0].iter(f"{SVG}path")]


@pytest.mark.parametrize("tool", ["pencil", "calligraphy"])
def test_handwriting_drawn_in_the_document_gives_the_style_and_is_left_as_drawn(tool):
    own = _strokes(run("drawn.svg", "--id=t1", "--seed=3")[0])
    root, _ = run("drawn.svg", "--id=t1", f"--id={tool}", "--source=drawn", "--seed=3")
    assert _strokes(root) != own
    drawn = etree.parse(str(DATA / "svg" / "drawn.svg")).getroot()
    for path in drawn.iter(f"{SVG}path"):
        assert root.find(f".//{SVG}path[@id='{path.get('id')}']").get("d") == path.get("d")


@pytest.mark.parametrize("selected, message", [
    ([], "No handwriting is drawn in the selection"),
    (["--id=dot"], "no handwriting found in the drawn strokes"),
])
def test_a_drawn_style_that_is_missing_or_holds_no_writing_is_explained(capsys, selected, message):
    out, _ = run("drawn.svg", "--id=t1", *selected, "--source=drawn", expect_abort=True)
    assert out == b"" and message in capsys.readouterr().err


def test_every_built_in_hand_offered_is_shipped_and_moves_the_writing():
    offered = [o.get("value") for o in etree.parse(str(EXTENSION / "inkscribe_handwriting.inx"))
               .find(".//{*}param[@name='hand']") if o.get("value").isdigit()]
    plain = _strokes(run("single_line.svg", "--id=t1", "--seed=2")[0])
    hands = [_strokes(run("single_line.svg", "--id=t1", f"--hand={k}", "--seed=2")[0]) for k in offered]
    assert len(offered) == 4 and all(hand != plain for hand in hands)
    assert len({tuple(hand) for hand in hands}) == len(offered)


def test_the_dialog_offers_each_writing_option_with_the_default_and_range_the_daemon_has():
    from inkscribe.model.config import WRITING
    inx = etree.parse(str(EXTENSION / "inkscribe_handwriting.inx"))
    offered = {p.get("name"): p for p in inx.iter("{*}param")}
    for name in set(WRITING) - {"font_size"}:   # the dialog takes the size from the text
        knob, param = WRITING[name], offered[name]
        assert (float(param.text), float(param.get("min")), float(param.get("max"))) == \
            (knob.default, knob.low, knob.high), name
        assert param.get("type") == ("int" if knob.integer else "float"), name


@pytest.mark.skipif(shutil.which("inkscape") is None, reason="asks Debian's inkscape how wide it sets the text")
def test_sized_by_width_the_widest_line_is_as_wide_as_inkscape_sets_the_typed_text():
    import subprocess
    query = subprocess.run(["inkscape", "--query-id=t1", "--query-width", str(DATA / "svg" / "multi_line.svg")],
                           capture_output=True, text=True, check=True)
    typed = float(query.stdout.split()[-1]) * 793.7 / (210 * 96 / 25.4)   # px -> the document's user units
    root, _ = run("multi_line.svg", "--id=t1", "--seed=2", "--size=width")
    (group,) = groups(root)
    assert group.get(f"{NS}size") == "width"
    rows = group.findall(f"{SVG}g")
    scales = {round(inkex.Transform(r.get("transform")).a, 6) for r in rows}
    assert len(scales) == 1 and scales != {1.0}   # one scale for every line of the text
    widths = [inkex.Transform(r.get("transform")).a * inkex.Path(" ".join(p.get("d") for p in r)).bounding_box().right
              for r in rows]
    assert max(widths) == pytest.approx(typed, rel=0.02)
    # The pen keeps its width on the scaled lines.
    pen = float(group.get("style").split("stroke-width:")[1].split(";")[0])
    assert float(rows[0].get("style").split("stroke-width:")[1]) * scales.pop() == pytest.approx(pen, rel=1e-3)


def test_the_svg_inkscribe_write_saves_and_the_paths_the_extension_inserts_are_the_same_strokes(tmp_path):
    """What eval reads (a written line's path data) reaches the user unchanged on both roads."""
    import subprocess

    endpoint = daemon_endpoint()
    root, _ = run("single_line.svg", "--id=t1", "--seed=3")
    inserted = [p.get("d") for p in groups(root)[0].iter(f"{SVG}path")]
    out = tmp_path / "hello.svg"
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "Hello world", "-o", str(out),
                           "--endpoint", endpoint, "--seed", "3", "--size", "32"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    saved = [p.get("d") for p in etree.parse(str(out)).getroot().iter(f"{SVG}path")]
    assert len(saved) == len(inserted) > 0
    # The extension's group carries the placing as a transform: the path data is the same.
    assert saved == inserted


def test_by_default_a_selected_picture_gives_the_style_and_a_text_alone_is_written_without_a_word(capsys):
    root, _ = run("images.svg", "--id=t1", "--id=embedded", "--seed=3")
    (group,) = groups(root)
    assert "image" in group.get(f"{NS}style-from") and capsys.readouterr().err == ""
    root, _ = run("images.svg", "--id=t1", "--seed=3")   # no picture selected: the chosen hand, said nothing
    (group,) = groups(root)
    assert group.get(f"{NS}style-from") == "inkscribe's own hand" and capsys.readouterr().err == ""
    root, _ = run("images.svg", "--id=t1", "--seed=3", "--hand=2")
    assert groups(root)[0].get(f"{NS}style-from") == "built-in hand 2" and capsys.readouterr().err == ""


@pytest.mark.parametrize("source, message", [("pictures", "No picture of handwriting is selected"),
                                             ("drawn", "No handwriting is drawn in the selection")])
def test_a_source_asked_for_by_name_and_missing_is_an_error_that_says_nothing_was_written(capsys, source, message):
    out, _ = run("images.svg", "--id=t1", f"--source={source}", expect_abort=True)
    err = capsys.readouterr().err
    assert out == b"" and err.startswith("Nothing was written; the document is as it was.") and message in err


def test_a_taught_hand_is_found_by_name_or_as_the_last_taught_and_a_missing_one_is_named(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    out, _ = run("single_line.svg", "--id=t1", "--hand=learnt", expect_abort=True)
    assert out == b"" and "No hand has been learnt yet" in capsys.readouterr().err
    out, _ = run("single_line.svg", "--id=t1", "--hand=learnt", "--hand_name=Ada", expect_abort=True)
    assert out == b"" and "There is no hand “Ada”" in capsys.readouterr().err


def test_the_font_size_is_recorded_as_seen_on_the_page_in_the_documents_unit():
    root, _ = run("transformed.svg", "--id=t1", "--seed=3")
    (group,) = groups(root)
    assert group.get(f"{NS}font-size") == "30px"   # 20 px text, scaled by 1.5
    root, _ = run("single_line.svg", "--id=t1", "--seed=3")
    (group,) = groups(root)
    assert group.get(f"{NS}font-size") == "32px"


def test_a_blank_embedded_picture_is_named_as_the_objects_panel_shows_it(capsys, tmp_path, monkeypatch):
    from PIL import Image
    blank = BytesIO()
    Image.new("L", (400, 100), 255).save(blank, "PNG")
    page = tmp_path / "blank.svg"
    page.write_text('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
                    'viewBox="0 0 500 500"><text id="t1" x="10" y="50" style="font-size:20px">Hello</text>'
                    '<image id="image42" x="10" y="100" width="400" height="100" xlink:href="data:image/png;base64,'
                    f'{base64.b64encode(blank.getvalue()).decode()}"/></svg>')
    daemon_endpoint()
    monkeypatch.setenv("DOCUMENT_PATH", str(page))
    with pytest.raises(SystemExit):
        Handwriting().run([str(page), "--id=t1", "--id=image42"], output=BytesIO())
    assert "no handwriting found in the embedded image “image42”" in capsys.readouterr().err


def test_a_text_of_several_lines_is_named_with_its_lines_apart(capsys, tmp_path, monkeypatch):
    page = tmp_path / "letter.svg"
    page.write_text('<svg xmlns="http://www.w3.org/2000/svg" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/'
                    'sodipodi-0.dtd" viewBox="0 0 500 500"><text id="t1" x="10" y="50" style="font-size:20px">'
                    '<tspan sodipodi:role="line" x="10" y="50">Dear Ada,</tspan>'
                    '<tspan sodipodi:role="line" x="10" y="80">See you ₹</tspan></text></svg>')
    daemon_endpoint()
    monkeypatch.setenv("DOCUMENT_PATH", str(page))
    with pytest.raises(SystemExit):
        Handwriting().run([str(page), "--id=t1"], output=BytesIO())
    assert "The text “Dear Ada, See you ₹” cannot be written" in capsys.readouterr().err


@pytest.mark.parametrize("setting", ["--timeout=1e9", "--tolerance=nan", "--pen_width=inf", "--versions=99"])
def test_a_number_outside_its_dialog_range_is_refused_by_name(capsys, setting):
    out, _ = run("single_line.svg", "--id=t1", setting, expect_abort=True)
    err = capsys.readouterr().err
    assert out == b"" and f"the setting {setting[2:].split('=')[0]} is" in err.lower() and "Traceback" not in err
