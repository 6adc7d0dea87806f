"""Lines broken by the written words' measured width, and letters laid out on pages."""
import re

import pytest

from inkscribe.model.page.layout import chunks, flush_right, indent, page_size, pages, reflow


def _written(words: list[tuple[str, float]], gap: float = 4.0) -> dict:
    """A daemon reply line: each word one stroke of the given width, `gap` apart."""
    x, strokes, paths, entries = 0.0, [], [], []
    for k, (text, width) in enumerate(words):
        strokes.append([[x, 0.0], [x + width, 1.0]])
        paths.append(f"M{x:.2f},0.00C{x:.2f},0.50 {x + width:.2f},0.50 {x + width:.2f},1.00")
        entries.append({"text": text, "strokes": [k, k + 1], "x": [x, x + width]})
        x += width + gap
    return {"text": " ".join(w for w, _ in words), "strokes": strokes, "paths": paths, "words": entries}


def _xs(path: str) -> list[float]:
    return [float(x) for x, _ in re.findall(r"(-?[\d.]+),(-?[\d.]+)", path)]


def test_lines_are_filled_by_the_words_measured_width_and_never_overrun():
    line = _written([("a", 10), ("bb", 20), ("ccc", 30), ("d", 10), ("eeee", 40), ("ff", 20)])
    rows = reflow([line], width=70)
    assert [r["text"] for r in rows] == ["a bb ccc", "d eeee", "ff"]
    assert all(max(x for p in r["paths"] for x in _xs(p)) <= 70 for r in rows)
    assert all(min(x for p in r["paths"] for x in _xs(p)) == 0 for r in rows)   # each line starts at its left
    # A paragraph sent in pieces joins up again, with the paragraph's usual gap between them.
    assert [r["text"] for r in reflow([_written([("a", 10), ("bb", 20)]), _written([("ccc", 30)])], 70)] == \
        ["a bb ccc"]
    assert [r["text"] for r in reflow([_written([("wide", 90)])], 70)] == ["wide"]   # alone, too wide


def test_a_long_paragraph_is_cut_at_spaces_into_pieces_the_daemon_takes():
    paragraph = " ".join(["word"] * 100)
    pieces = chunks(paragraph, 200)
    assert all(len(p) <= 200 for p in pieces) and " ".join(pieces) == paragraph
    assert chunks("", 200) == [""]


def test_a_letter_keeps_inside_its_margins_and_goes_on_to_further_pages():
    paragraph = [_written([(f"w{k}", 18) for k in range(40)])]
    laid = pages([paragraph, [_written([])], paragraph], size_mm=(148, 210), margin=15, step=12)
    assert len(laid) == 2
    for page in laid:
        xs = [x for line in page for p in line["paths"] for x in _xs(p)]
        assert 15 <= min(xs) and max(xs) <= 148 - 15
        assert all(15 < line["y"] < 210 - 15 for line in page)
    assert laid[0][0]["y"] == pytest.approx(21) and laid[1][0]["y"] == pytest.approx(21)


def test_a_paragraph_typed_with_leading_spaces_starts_indented_on_the_page():
    paragraph = [_written([(f"w{k}", 18) for k in range(12)])]
    assert indent("    Dear Ada", 6) == indent("\tDear Ada", 6) == 8 and indent("Dear Ada", 6) == 0
    plain, indented = (pages([paragraph], size_mm=(148, 210), margin=15, step=12, indents=[d])[0] for d in (0, 8))
    left = lambda line: min(x for p in line["paths"] for x in _xs(p))
    assert left(indented[0]) == pytest.approx(left(plain[0]) + 8)
    assert left(indented[1]) == pytest.approx(15)                         # only the first line
    assert all(x <= 148 - 15 for line in indented for p in line["paths"] for x in _xs(p))


def test_a_closing_typed_far_to_the_right_ends_at_the_right_margin():
    assert flush_right(" " * 12 + "Yours, Jo") and flush_right("\t\t\tJo") and not flush_right("    Dear Ada")
    assert not flush_right(" " * 12)
    body, closing = [_written([(f"w{k}", 18) for k in range(12)])], [_written([("Yours,", 30)])]
    page, = pages([body, closing], size_mm=(148, 210), margin=15, step=12, indents=[0, 4], right=[False, True])
    right = lambda line: max(x for p in line["paths"] for x in _xs(p))
    left = lambda line: min(x for p in line["paths"] for x in _xs(p))
    assert right(page[-1]) == pytest.approx(148 - 15) and left(page[-1]) == pytest.approx(148 - 15 - 30)
    assert left(page[0]) == pytest.approx(15)


def test_page_sizes_are_named_or_given_in_mm():
    assert page_size("A4") == (210, 297) and page_size("120x180") == (120, 180)
    with pytest.raises(ValueError, match="A5, A4, letter or WIDTHxHEIGHT"):
        page_size("huge")
    with pytest.raises(ValueError, match="no room"):
        pages([], (100, 100), margin=60, step=10)


def test_with_variation_lines_stray_as_a_hand_does_but_never_past_the_margins():
    paragraph = [_written([(f"w{k}", 18) for k in range(60)])]
    straight, = pages([paragraph], size_mm=(148, 210), margin=15, step=12)
    strayed, = pages([paragraph], size_mm=(148, 210), margin=15, step=12, variation=1.0, seed=4)
    assert strayed == pages([paragraph], size_mm=(148, 210), margin=15, step=12, variation=1.0, seed=4)[0]
    left = [min(_xs(p)[0] for p in line["paths"]) for line in strayed]
    assert all(15 <= x <= 15 + 3 for x in left) and len({round(x, 2) for x in left}) > len(left) // 2
    assert all(15 <= x <= 148 - 15 for line in strayed for p in line["paths"] for x in _xs(p))
    gaps = [b["y"] - a["y"] for a, b in zip(strayed, strayed[1:])]
    assert min(gaps) < 12 < max(gaps) and all(abs(g - 12) < 4 for g in gaps)
    assert [b["y"] - a["y"] for a, b in zip(straight, straight[1:])] == pytest.approx([12] * (len(straight) - 1))
