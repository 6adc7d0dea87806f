"""Digital ink in W3C InkML (what tablets and note apps export): the pen strokes of its
traces, for the style. Pure Python, so `inkscribe write` reads it without numpy or torch.

Read: every <trace> in document order (inside trace groups too), its X and Y channels as
the first <traceFormat> names them (X and Y first where there is none), with the
explicit, difference (') and second-difference (") value forms. Not read: time, pressure
and other channels, brushes, canvas transforms and <traceView> references.
"""
import re
import xml.etree.ElementTree as ET

MAX_BYTES = 20 * 1024 * 1024     # as large as a style picture may be
MAX_POINTS = 200_000
_VALUE = re.compile(r"""([!'"]?)\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)""")


class InkMLError(ValueError):
    """A file that is not InkML this reader can take strokes from."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _channels(root: ET.Element) -> tuple[int, int]:
    """Where X and Y are among a point's values."""
    for element in root.iter():
        if _local(element.tag) == "traceFormat":
            names = [c.get("name", "").upper() for c in element.iter() if _local(c.tag) == "channel"]
            if "X" in names and "Y" in names:
                return names.index("X"), names.index("Y")
            raise InkMLError("its trace format has no X and Y channels")
    return 0, 1


def _points(text: str, x: int, y: int, name: str) -> list[tuple[float, float]]:
    """One trace's (x, y) points, its difference forms undone."""
    out, last, step, mode = [], {}, {}, {}
    for k, point in enumerate(p for p in text.split(",") if p.strip()):
        values = _VALUE.findall(point)
        if len(values) <= max(x, y):
            raise InkMLError(f"{name}: point {k + 1} of a trace has {len(values)} values, not an X and a Y")
        absolute = []
        for channel in (x, y):
            qualifier, number = values[channel]
            mode[channel] = {"!": "=", "'": "'", '"': '"'}.get(qualifier, mode.get(channel, "="))
            v = float(number)
            if mode[channel] == "'" and channel in last:
                step[channel] = v
                v = last[channel] + v
            elif mode[channel] == '"' and channel in last:
                step[channel] = step.get(channel, 0.0) + v
                v = last[channel] + step[channel]
            last[channel] = v
            absolute.append(v)
        out.append((absolute[0], absolute[1]))
    return out


def read_inkml(data: bytes, name: str = "the InkML file") -> list[list[tuple[float, float]]]:
    """The pen strokes (points, y down as InkML has it) of an InkML document."""
    if len(data) > MAX_BYTES:
        raise InkMLError(f"{name} is larger than {MAX_BYTES // 2**20} MiB")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise InkMLError(f"{name} is not XML: {e}") from None
    if _local(root.tag) != "ink":
        raise InkMLError(f"{name} is not InkML (its root is <{_local(root.tag)}>, not <ink>)")
    x, y = _channels(root)
    strokes, total = [], 0
    for trace in (e for e in root.iter() if _local(e.tag) == "trace"):
        points = _points(trace.text or "", x, y, name)
        total += len(points)
        if total > MAX_POINTS:
            raise InkMLError(f"{name} holds more than {MAX_POINTS} points")
        if points:
            strokes.append(points)
    if not strokes:
        raise InkMLError(f"{name} holds no traces (pen strokes) to take the style from")
    return strokes
