"""What the speed issue asks of a line, a paragraph, concurrent clients and a GPU: `inkscribe
bench` prints its figures beside these. No imports beyond the standard library: the command
line reads the defaults."""
from dataclasses import dataclass

# The fewest versions of each word whose eval meets the legibility issue's bars
# (docs/performance.md): the speed goals are measured at the shipped default and at this.
LEGIBLE_VERSIONS = 6


@dataclass
class SpeedGoals:
    """The speed issue's goals. The peer is calligrapher.ai's LSTM, a numpy sampler started
    as a new process for each line; its times are those the issue measured on this machine
    (its paragraph is ten such processes), since it does not ship with this project."""
    peer_line_s: float = 0.54
    peer_paragraph_s: float = 4.8
    line: float = 0.5                  # x the peer's line, whole processes
    paragraph: float = 0.25            # x the peer's paragraph
    clients_lines_per_s: float = 10.0  # 8 concurrent clients
    styled: float = 1.5                # a styled line, x an unstyled one
    learnt: float = 1.2                # a line in a learnt hand, x a plain one (the hand issue)
    gpu_batch_lines_per_s: float = 200.0
    gpu_line_s: float = 0.05
