import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))

import synthetic  # noqa: E402


@pytest.fixture(autouse=True)
def _few_threads():
    # The machine has two cores; tests should not fight a background training run for them.
    torch.set_num_threads(1)


@pytest.fixture
def lines():
    return synthetic.lines()
