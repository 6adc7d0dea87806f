"""The size a user gets: the shipped weights' small letters as tall as the font's x-height."""
import numpy as np
import torch

from inkscribe.model.config import PathConfig
from inkscribe.model.net.checkpoint import load_model
from inkscribe.model.net.sampling import SampleConfig
from inkscribe.model.write.writer import Task, Writer


def test_a_line_of_small_letters_is_as_tall_as_a_sans_fonts_x_height():
    """"ocean rows us" at 8.47 px: about half an em of ink, top to bottom, as a sans-serif's
    x-height is (it was 0.67-0.72 em)."""
    torch.manual_seed(0)
    writer = Writer(load_model(None, "cpu"))
    size = 8.47
    lines = writer.write([Task(["ocean rows us"], None, SampleConfig(seed=seed), paths=PathConfig(font_size=size))
                          for seed in range(1, 5)])
    heights = [np.ptp(np.concatenate(line.strokes)[:, 1]) / size for (line,) in lines]
    assert 0.4 <= np.median(heights) <= 0.6, heights
