"""`inkscribe write`: files, letters on pages, CSV rows, a plotter's polylines, against a real daemon."""
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from lxml import etree

import synthetic
from daemon_process import free_endpoint, raw_request
from inkscribe.daemon import protocol
from inkscribe.daemon.client import Client
from inkscribe.model.page.svg import PAIR

SVG = "{http://www.w3.org/2000/svg}"
INKSCAPE = "http://www.inkscape.org/namespaces/inkscape"
def _write_command(*arguments, cwd=None, **run) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", *arguments],
                          **{"capture_output": True, "timeout": 60, **run}, text=True, cwd=cwd)


@pytest.mark.parametrize("where, message", [("missing/out.svg", "there is no folder"), (".", "it is a folder"),
                                            ("fifo", "not a regular file")])
def test_write_command_checks_where_it_writes_before_any_work(tmp_path, where, message):
    os.mkfifo(tmp_path / "fifo")
    done = _write_command("hello", "-o", str(tmp_path / where), "--endpoint", free_endpoint())
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert "starting one" not in done.stderr            # refused before any daemon was asked
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)


@pytest.mark.parametrize("options, message", [
    (["--page", "A5", "--margin", "80"], "leaves no room"),
    (["--page", "infxinf"], "at most"),
    (["--style", "/dev/zero"], "not a regular file"),
    (["--style", "FIFO"], "not a regular file"),
    (["--style", "missing.png"], "No such file"),
])
def test_write_command_refuses_settings_and_style_files_that_cannot_work_before_any_work(tmp_path, options, message):
    os.mkfifo(tmp_path / "FIFO")
    done = _write_command("hello", "-o", "out.svg", "--endpoint", free_endpoint(), *options, cwd=tmp_path)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert "starting one" not in done.stderr and not (tmp_path / "out.svg").exists()


@pytest.mark.parametrize("rows, output, options, message", [
    ("name\nAnne Marie\nAnne/Marie\nAnne:Marie\n", "{name}.svg", [], "rows 1 and 2 would both be written to"),
    ("name,town\nAda,London\nJo\n", "{name}.svg", [], "row 2 of"),
    ("name\nAda\n", "{nope}.svg", [], "-o uses {nope}"),
    ("name\nAda\nJo\n", "{name}.svg", ["--seed", "2147483647"], "--seed is from 0 to 2147483646"),
    ("name\nAda\n" + "x" * 140_000 + "\n", "{name}.svg", [], "line 3 of people.csv cannot be read: field larger"),
    ("name\nAda\nJo\x00\n", "{name}.svg", [], "row 2 of people.csv: cannot write these characters: '\\x00'"),
    ("name\nAda\n" + "J" * 252 + "\n", "{name}.svg", [], "its name is longer than the 255 bytes"),
])
def test_letters_from_a_csv_file_are_checked_whole_before_any_is_written(tmp_path, rows, output, options, message):
    (tmp_path / "people.csv").write_text(rows)
    done = _write_command("Dear {name}" + ("\nhow is {town}?" if "town" in rows else ""), "--csv", "people.csv", "-o", output, "--endpoint", free_endpoint(), *options,
                          cwd=tmp_path)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert "starting one" not in done.stderr and not list(tmp_path.glob("*.svg"))


def test_a_long_file_name_that_fits_is_written(daemon, tmp_path):
    out = tmp_path / ("n" * 251 + ".svg")
    done = _write_command("hi", "-o", str(out), "--endpoint", daemon.endpoint)
    assert done.returncode == 0 and out.is_file(), done.stderr


def test_a_letter_whose_pages_cannot_all_be_written_replaces_none_of_the_old_ones(daemon, tmp_path):
    import resource
    import signal

    letter = "Dear Ada,\n\n" + " ".join(["thank you for the kind letter"] * 12)
    args = ["-o", str(tmp_path / "letter.svg"), "--page", "80x60", "--margin", "8", "--size", "20",
            "--endpoint", daemon.endpoint]
    assert _write_command(*args, "--seed", "1", input=letter, timeout=180).returncode == 0
    old = {p.name: p.read_bytes() for p in tmp_path.glob("letter*.svg")}
    assert len(old) >= 2

    def full_disk():   # files stop growing past 4 KiB, as on a full disk (EFBIG, not a signal)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = _write_command(*args, "--seed", "2", input=letter, timeout=180, preexec_fn=full_disk)
    assert done.returncode == 1 and "none of the" in done.stderr and "were written" not in done.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.glob("letter*.svg")} == old
    assert not list(tmp_path.glob(".inkscribe-*"))


def test_a_csv_value_cannot_lead_a_letter_out_of_its_folder(tmp_path):
    from inkscribe.daemon.cli.writing import _target

    assert _target("out/{name}/letter.svg", {"name": ".."}, 1) == "out/_/letter.svg"
    assert _target("out/{name}.svg", {"name": "../../etc/x"}, 1) == "out/etc_x.svg"


def test_write_command_writes_through_a_link_and_says_when_stdout_is_full(daemon, tmp_path):
    (tmp_path / "real.svg").write_text("old")
    (tmp_path / "link.svg").symlink_to("real.svg")
    done = _write_command("hello", "-o", "link.svg", "--endpoint", daemon.endpoint, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "link.svg").is_symlink() and "<svg" in (tmp_path / "real.svg").read_text()
    with open("/dev/full", "w") as full:
        done = _write_command("hello", "--endpoint", daemon.endpoint, stdout=full, stderr=subprocess.PIPE,
                              capture_output=False)
    assert done.returncode == 1 and "cannot write to standard output" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_write_that_fails_part_way_leaves_the_old_file_whole(daemon, tmp_path):
    out = tmp_path / "existing.svg"
    out.write_text("<svg>the old letter</svg>")
    command = f"ulimit -f 1; exec {sys.executable} -m inkscribe.daemon.cli write 'a longer line of words to write' " \
              f"-o {out} --endpoint {daemon.endpoint}"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "it is left as it was" in done.stderr and "Traceback" not in done.stderr
    assert out.read_text() == "<svg>the old letter</svg>" and list(tmp_path.iterdir()) == [out]


@pytest.mark.parametrize("page", [[], ["--page", "A5", "--plotter"]])
def test_write_command_produces_a_standalone_svg_without_loading_torch(daemon, tmp_path, page):
    out = tmp_path / "hello.svg"
    # -X importtime lists every module the command loads: a script's every line pays for them.
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "inkscribe.daemon.cli", "write", "-o", str(out),
                           "--endpoint", daemon.endpoint, "--seed", "1", *page],
                          input="hello there\nsecond line\n", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "inkscribe.daemon.client" in loaded and not {m for m in loaded if m.split(".")[0] in ("torch", "numpy")}
    root = etree.parse(str(out)).getroot()
    strokes = root.findall(f".//{SVG}path")
    assert strokes and (page or len(root.findall(f"{SVG}g/{SVG}g")) == 2)


def test_write_command_takes_the_style_from_an_svg_of_drawn_strokes(daemon, tmp_path):
    drawn = Path(__file__).parent / "data" / "svg" / "drawn.svg"
    empty = tmp_path / "typed.svg"
    empty.write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>typed, not drawn</text></svg>')
    endless = tmp_path / "overflowing.svg"   # flattening its curve would never end
    endless.write_text('<svg xmlns="http://www.w3.org/2000/svg"><path id="p1" transform="scale(1e308) scale(1e308)" '
                       'd="M 0,0 C 1,1 2,2 3,0" style="fill:none;stroke:#000"/></svg>')
    written = {}
    for name, style in [("own", []), ("drawn", ["--style", str(drawn)]), ("empty", ["--style", str(empty)]),
                        ("endless", ["--style", str(endless)])]:
        out = tmp_path / f"{name}.svg"
        written[name] = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "-o", str(out),
                                        "in my hand", "--endpoint", daemon.endpoint, "--seed", "1", *style],
                                       capture_output=True, text=True, timeout=120)
    assert written["own"].returncode == written["drawn"].returncode == 0, written["drawn"].stderr
    assert (tmp_path / "drawn.svg").read_text() != (tmp_path / "own.svg").read_text()
    assert written["empty"].returncode == 1 and "holds no drawn strokes" in written["empty"].stderr
    assert written["endless"].returncode == 1 and "overflow to infinity" in written["endless"].stderr
    assert not (tmp_path / "empty.svg").exists() and not (tmp_path / "endless.svg").exists()


def test_write_command_takes_the_style_from_an_inkml_file(daemon, tmp_path):
    rng = np.random.default_rng(2)
    traces = "".join("<trace>" + ", ".join(f"{x * 40:.1f} {y * 40:.1f}" for x, y in s) + "</trace>"
                     for s in synthetic.strokes_for("written on a tablet", rng))
    (tmp_path / "note.inkml").write_text(f'<ink xmlns="http://www.w3.org/2003/InkML">{traces}</ink>')
    (tmp_path / "bad.inkml").write_text("<ink")
    runs = {}
    for name, style in [("own", []), ("ink", ["--style", str(tmp_path / "note.inkml")]),
                        ("bad", ["--style", str(tmp_path / "bad.inkml")])]:
        runs[name] = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "-o",
                                     str(tmp_path / f"{name}.svg"), "in my hand", "--endpoint", daemon.endpoint,
                                     "--seed", "1", *style], capture_output=True, text=True, timeout=120)
    assert runs["own"].returncode == runs["ink"].returncode == 0, runs["ink"].stderr
    assert (tmp_path / "ink.svg").read_text() != (tmp_path / "own.svg").read_text()
    assert runs["bad"].returncode == 1 and "bad.inkml is not XML" in runs["bad"].stderr
    assert not (tmp_path / "bad.svg").exists()


def test_write_command_lays_a_letter_out_on_pages_in_mm_for_plotters(daemon, tmp_path):
    letter = "Dear Ada,\n\n" + " ".join(["thank you for the kind letter"] * 12) + "\n\nWith love, Jo\n"
    out = tmp_path / "letter.svg"
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "-o", str(out), "--page", "80x60",
                           "--margin", "8", "--size", "20", "--endpoint", daemon.endpoint, "--seed", "1"],
                          input=letter, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    written = sorted(tmp_path.glob("letter*.svg"))
    assert len(written) >= 2 and out in written and (tmp_path / "letter-2.svg") in written
    root = etree.parse(str(out)).getroot()
    assert root.get("width") == "80mm" and root.get("viewBox") == "0 0 80 60"
    assert not root.xpath("//*[@transform]")               # absolute coordinates, as plotters take them
    assert root.findall(f".//{SVG}path")
    # The same letter as one multi-page document: Inkscape's pages side by side, each a layer.
    book = tmp_path / "book.svg"
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "-o", str(book), "--page", "80x60",
                           "--margin", "8", "--size", "20", "--endpoint", daemon.endpoint, "--seed", "1",
                           "--one-document"], input=letter, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and not (tmp_path / "book-2.svg").exists(), done.stderr
    root = etree.parse(str(book)).getroot()
    pages = root.findall(f".//{{{INKSCAPE}}}page")
    layers = root.findall(f"{SVG}g[@{{{INKSCAPE}}}groupmode='layer']")
    assert len(pages) == len(layers) == len(written) and not root.xpath("//*[@transform]")
    singles = [out] + [tmp_path / f"letter-{k}.svg" for k in range(2, len(written) + 1)]
    numbers = lambda root, dx=0.0: [float(x) - dx for p in root.iter(f"{SVG}path") for x, _ in PAIR.findall(p.get("d"))]
    for page, layer, single in zip(pages, layers, singles):   # each page's strokes where its own file has them
        assert numbers(layer, float(page.get("x"))) == pytest.approx(numbers(etree.parse(str(single)).getroot()),
                                                                      abs=0.011)
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "x", "--page", "huge", "-o",
                           str(tmp_path / "x.svg"), "--endpoint", daemon.endpoint], capture_output=True, text=True)
    assert done.returncode == 1 and "A5, A4, letter or WIDTHxHEIGHT" in done.stderr


def test_write_command_writes_a_letter_per_csv_row_from_a_template(daemon, tmp_path):
    (tmp_path / "people.csv").write_text("name,town\nAda Byron,London\nJo March,Concord\n")
    (tmp_path / "letter.txt").write_text("Dear {name},\n\nhow is {town} this spring?\n")
    write = lambda *options: subprocess.run(
        [sys.executable, "-m", "inkscribe.daemon.cli", "write", "--file", str(tmp_path / "letter.txt"),
         "--csv", str(tmp_path / "people.csv"), "--page", "A5", "--endpoint", daemon.endpoint, "--seed", "1",
         *options], capture_output=True, text=True, timeout=180)
    done = write("-o", str(tmp_path / "to-{name}.svg"))
    assert done.returncode == 0, done.stderr
    ada, jo = (etree.parse(str(tmp_path / f"to-{n}.svg")).getroot() for n in ("Ada_Byron", "Jo_March"))
    assert ada.get("width") == "148mm" and ada.findall(f".//{SVG}path")
    assert [p.get("d") for p in ada.iter(f"{SVG}path")] != [p.get("d") for p in jo.iter(f"{SVG}path")]
    assert write("-o", str(tmp_path / "numbered.svg")).returncode == 0
    assert (tmp_path / "numbered-1.svg").exists() and (tmp_path / "numbered-2.svg").exists()
    # A name the template uses that the file lacks is said before anything is written.
    (tmp_path / "letter.txt").write_text("Dear {first_name},\n")
    refused = write("-o", str(tmp_path / "x-{n}.svg"))
    assert refused.returncode == 1 and "{first_name}" in refused.stderr and "name, town" in refused.stderr
    assert not list(tmp_path.glob("x-*.svg"))


def test_a_letter_is_written_from_python_as_from_the_command_line(client):
    from inkscribe.model.page.letter import LetterConfig, write_letter
    letter = write_letter(client.write, "Dear Ada,\n" + "thank you " * 30, LetterConfig(page="80x60", margin=8), seed=2)
    assert len(letter.pages) >= 2 and all('viewBox="0 0 80 60"' in page for page in letter.pages)
    assert letter.pages == write_letter(client.write, "Dear Ada,\n" + "thank you " * 30,
                                        LetterConfig(page="80x60", margin=8), seed=2).pages
    with pytest.raises(ValueError, match="A5, A4, letter"):
        write_letter(client.write, "x", LetterConfig(page="huge"))


def test_write_command_draws_polylines_in_a_shorter_order_for_a_plotter(daemon, tmp_path):
    write = lambda *options: subprocess.run(
        [sys.executable, "-m", "inkscribe.daemon.cli", "write", "quick jigsaw quiz", "--page", "A5",
         "--endpoint", daemon.endpoint, "--seed", "1", *options], capture_output=True, text=True, timeout=120)
    curves, plotted = write("-o", str(tmp_path / "c.svg")), write("-o", str(tmp_path / "p.svg"), "--plotter")
    assert curves.returncode == plotted.returncode == 0, plotted.stderr
    after, before = map(float, re.search(r"travel inside lines (\d+) mm \(as written (\d+) mm", plotted.stderr).groups())
    assert after <= before
    paths = [p.get("d") for p in etree.parse(str(tmp_path / "p.svg")).getroot().iter(f"{SVG}path")]
    assert len(paths) == len(list(etree.parse(str(tmp_path / "c.svg")).getroot().iter(f"{SVG}path")))
    assert all(re.fullmatch(r"M[-\d.,]+( L[-\d.,]+)*", d) for d in paths)
    no_page = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "x", "--plotter", "-o",
                              str(tmp_path / "y.svg"), "--endpoint", daemon.endpoint], capture_output=True, text=True)
    assert no_page.returncode == 1 and "--plotter needs --page" in no_page.stderr


def test_write_command_starts_a_daemon_when_none_answers(weights, tmp_path):
    endpoint = free_endpoint()
    out = tmp_path / "auto.svg"
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "auto start", "-o", str(out),
                           "--endpoint", endpoint, "--checkpoint", str(weights)],
                          capture_output=True, text=True, timeout=180,
                          env={**__import__("os").environ, "XDG_RUNTIME_DIR": str(tmp_path)})
    try:
        assert done.returncode == 0, done.stderr
        assert "starting one" in done.stderr and "daemon started in the background" in done.stderr
        assert etree.parse(str(out)).getroot().findall(f".//{SVG}path")
        assert Client(endpoint).info()["idle_exit_s"] == 900   # it gives its memory back when unused
    finally:
        raw_request(endpoint, b'{"op": "ping"}')  # still up: the daemon outlives the command
        pid = int(done.stderr.split("(pid ")[1].split(",")[0])
        __import__("os").kill(pid, 15)


def test_what_eval_measures_is_what_a_request_without_settings_gets():
    from inkscribe.model.config import EvalConfig
    from inkscribe.model.net.sampling import SampleConfig
    assert SampleConfig().bias == EvalConfig().bias == protocol.WriteRequest.bias
    assert SampleConfig().temperature == EvalConfig().temperature == protocol.WriteRequest.temperature
    assert SampleConfig().versions == EvalConfig().versions == protocol.WriteRequest.versions
    from inkscribe.model.config import PathConfig
    assert PathConfig().smoothing == protocol.WriteRequest.smoothing


def test_the_write_command_imports_no_torch_or_numpy(daemon, tmp_path):
    """A script writing line after line pays for the command's own start-up every time."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "inkscribe.daemon.cli", "write", "quick",
                           "-o", str(tmp_path / "q.svg"), "--endpoint", daemon.endpoint],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert "inkscribe" in imported and not imported & {"torch", "numpy"}


def test_a_colour_with_quotes_adds_no_attribute_to_the_saved_svg(daemon, tmp_path):
    out = tmp_path / "q.svg"
    hostile = 'red" onload="alert(1)'
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "quick", "-o", str(out),
                           "--endpoint", daemon.endpoint, "--colour", hostile], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    pen = etree.parse(str(out)).getroot().find(f"{SVG}g")
    assert pen.get("stroke") == hostile and not any(k.startswith("on") for e in pen.iter() for k in e.keys())


def test_the_default_endpoint_is_a_socket_in_a_folder_of_the_users_own(tmp_path, monkeypatch):
    monkeypatch.delenv(protocol.ENDPOINT_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert protocol.default_endpoint() == f"ipc://{tmp_path}/inkscribe/daemon.sock"
    assert stat.S_IMODE(os.stat(tmp_path / "inkscribe").st_mode) == 0o700
    os.chmod(tmp_path / "inkscribe", 0o777)   # as if someone else had made it, open to all
    done = _write_command("hello", "-o", str(tmp_path / "out.svg"), env={**os.environ})
    assert done.returncode == 1 and "not a folder that only you can open" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out.svg").exists()


@pytest.mark.parametrize("option, value", [("--line-spacing", "nan"), ("--line-spacing", "-3"), ("--tolerance", "nan"),
                                           ("--stroke-width", "inf"), ("--timeout", "1e9"), ("--timeout", "100000"),
                                           ("--margin", "-1"), ("--bias", "inf"), ("--size", "-5")])
def test_numbers_out_of_range_are_refused_by_the_option_a_user_typed_before_anything_is_written(tmp_path, option,
                                                                                              value):
    out = tmp_path / "x.svg"
    done = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "write", "hi", "-o", str(out), option, value,
                           "--endpoint", "ipc:///nonexistent/never"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and f"argument {option}: {value} is not between" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
