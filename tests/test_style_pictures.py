"""Pictures of handwriting read as a style: tiles, pens, grain, photos, spaces."""
import numpy as np
import pytest
from PIL import Image, ImageFilter

import synthetic
from inkscribe.model.data import strokes as S
from inkscribe.model.config import LINE_HEIGHT, PICTURE_SIDE, preset
from inkscribe.model.net.network import HandwritingModel
from inkscribe.model.style.references import INK_HEIGHT, PICTURES, pen_width, picture, read_writing, render, tiles_from_image, word_gap
from inkscribe.model.data.segments import word_gaps
from inkscribe.model.data.strokes import to_offsets
from inkscribe.model.write.writer import NoHandwritingFound, Writer


def test_style_tiles_come_from_writing_and_blank_pictures_are_refused(lines):
    picture = render(lines[0].offsets, px_per_unit=4)
    tiles = tiles_from_image(picture, 6)
    assert 1 <= len(tiles) <= 6 and tiles.shape[1:] == (64, 64)
    assert tiles.max() == pytest.approx(1, abs=0.05)
    model = HandwritingModel(preset("tiny"))
    with pytest.raises(NoHandwritingFound):
        Writer(model).hand([Image.new("L", (300, 100), 255)])


@pytest.mark.parametrize("px_per_unit, pen", [(6, 1), (20, 2), (30, 3), (20, 8)])
def test_a_fine_pen_at_high_resolution_gives_tiles_with_the_pen_training_saw(lines, px_per_unit, pen):
    # A fine-liner scanned at 300-600 dpi: the pen is a small share of the ink's height, and
    # would fade away when the line is shrunk to a tile's size.
    tiles = tiles_from_image(render(lines[1].offsets, px_per_unit, width=pen), 8)
    assert len(tiles) == 8
    assert 1.5 <= pen_width(np.concatenate(tiles) > 0.5) <= 5   # training renders 1-4.5 px pens


def test_faint_writing_under_heavy_grain_still_gives_a_style():
    # A dim phone photo or a grainy scan: pencil-grey writing on grey paper, with speckle
    # that the ink threshold would take for writing everywhere.
    rng = np.random.default_rng(0)
    model = HandwritingModel(preset("tiny"))
    for line in synthetic.data_lines(3):
        px = 1.3 * INK_HEIGHT / LINE_HEIGHT
        a = np.asarray(render(line.offsets, px, width=1.5 * px / 2.8).filter(ImageFilter.GaussianBlur(1)),
                       np.float32) / 255
        grainy = Image.fromarray((np.clip(0.5 + 0.3 * a + rng.normal(0, 0.075, a.shape), 0, 1) * 255).astype(np.uint8))
        clean = Image.fromarray((np.clip(0.2 + 0.8 * a, 0, 1) * 255).astype(np.uint8))
        assert len(tiles_from_image(grainy, 8)) >= 4
        # Spaces are read before the speckle is taken out: the filter breaks faint strokes,
        # and the breaks would pass for spaces and squeeze the words together.
        spacing = Writer(model).hand([grainy]).word_gap / Writer(model).hand([clean]).word_gap
        assert 0.5 <= spacing <= 1.25


@pytest.mark.parametrize("kind", PICTURES)
def test_every_kind_of_picture_people_have_gives_the_style_of_a_clean_one(kind):
    writer = [l.offsets for l in synthetic.data_lines(3)]   # one writer's lines: a page uses them all
    rng = np.random.default_rng(0)
    shown, clean = picture(writer, kind, rng), picture(writer, "clean", rng)
    assert len(tiles_from_image(shown, 8)) == len(tiles_from_image(clean, 8)) >= 4
    assert word_gap([read_writing(shown)]) == pytest.approx(word_gap([read_writing(clean)]), rel=0.15)


def _photo_of_paper(size=(900, 400), shapes=False) -> Image.Image:
    """Tinted paper in uneven light, with grain; with `shapes`, dark filled objects on it."""
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:size[1], 0:size[0]] / max(size)
    a = (0.9 - 0.3 * xx)[..., None] * np.array([1.0, 0.95, 0.85]) + rng.normal(0, 0.02, (*xx.shape, 3))
    if shapes:
        a[100:300, 100:350] *= 0.2
        a[(xx - 0.7) ** 2 + (yy - 0.2) ** 2 < 0.01] *= 0.3
    return Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8))


@pytest.mark.parametrize("image", [Image.new("L", (300, 100), 255), _photo_of_paper(),
                                   _photo_of_paper(shapes=True)], ids=["blank", "paper", "objects"])
def test_a_picture_without_writing_is_refused_by_number_with_what_to_try(lines, image):
    writer = Writer(HandwritingModel(preset("tiny")))
    with pytest.raises(NoHandwritingFound, match="no handwriting found in image 2: .* try a picture cropped"):
        writer.hand([render(lines[0].offsets, 4), image])


def test_the_space_between_words_is_read_from_a_picture_of_the_writing():
    rng = np.random.default_rng(0)
    text = "three short words here"
    for space in (2.0, 4.0):
        strokes, x = [], 0.0
        for word in text.split():
            strokes += synthetic.strokes_for(word, rng)
            strokes[-1][:, 0] += x
            x = strokes[-1][:, 0].max() + space
        line = to_offsets(S.normalise(strokes))        # in data units, as the model writes
        truth = float(np.median(word_gaps(line, text)))
        small, large = (word_gap([read_writing(render(line, px, width=pen))]) for px, pen in [(3, 2), (20, 3)])
        assert small == pytest.approx(truth, rel=0.25) and large == pytest.approx(small, rel=0.1)
    assert word_gap([read_writing(Image.new("L", (300, 100), 255))]) is None


def test_lines_written_so_close_that_they_touch_are_parted_into_as_many_as_the_text_has():
    from inkscribe.model.style.references import render
    from inkscribe.model.style.trace import traced

    rows = [np.asarray(render(line.offsets, 8, width=3).convert("L")) for line in synthetic.data_lines(4)]
    pitch = int(0.55 * min(r.shape[0] for r in rows))   # each line's descenders reach into the next
    page = np.full((pitch * 3 + max(r.shape[0] for r in rows), max(r.shape[1] for r in rows)), 255, np.uint8)
    for k, row in enumerate(rows):
        h, w = row.shape
        page[k * pitch:k * pitch + h, :w] = np.minimum(page[k * pitch:k * pitch + h, :w], row)
    picture = Image.fromarray(page)
    assert len(traced(picture)) != 4   # by the gaps between lines alone, there are none here
    lines = traced(picture, 4)
    assert len(lines) == 4
    middles = [np.median(np.concatenate(line)[:, 1]) for line in lines]
    scale = min(1.0, PICTURE_SIDE / max(picture.size))   # traced at the side the daemon reads
    assert middles == sorted(middles) and min(np.diff(middles)) > 0.5 * pitch * scale
