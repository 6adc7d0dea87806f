import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))

import synthetic  # noqa: E402
from daemon_process import DaemonProcess, tiny_weights  # noqa: E402
from inkscribe.daemon.client import Client  # noqa: E402


@pytest.fixture(autouse=True)
def _few_threads():
    # The machine has two cores; tests should not fight a background training run for them.
    torch.set_num_threads(1)


@pytest.fixture
def lines():
    return synthetic.lines()


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return tiny_weights(tmp_path_factory.mktemp("weights") / "tiny.pt")


@pytest.fixture(scope="module")
def daemon(weights):
    process = DaemonProcess(weights)
    yield process
    process.stop()


@pytest.fixture
def client(daemon):
    return Client(daemon.endpoint, timeout=60)
