"""InkML, the W3C format of digital ink, as a style source: its traces are the pen strokes."""
import pytest

from inkscribe.model.data.inkml import InkMLError, read_inkml

NS = 'xmlns="http://www.w3.org/2003/InkML"'


def test_traces_are_read_as_strokes_with_their_channels_and_difference_forms():
    ink = f"""<ink {NS}><traceFormat><channel name="T"/><channel name="X"/><channel name="Y"/></traceFormat>
      <traceGroup><trace>0 10 20, 1 11 22, 2 13 25</trace></traceGroup>
      <trace>0 5 5, 1 '1 '2, 2 1 2, 3 "0 "1</trace></ink>"""
    first, second = read_inkml(ink.encode())
    assert first == [(10, 20), (11, 22), (13, 25)]
    # Differences: 5+1, then +1 again; second differences add to the last difference.
    assert second == [(5, 5), (6, 7), (7, 9), (8, 12)]


@pytest.mark.parametrize("data, message", [
    (b"not xml at all", "is not XML"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "is not InkML"),
    (f"<ink {NS}></ink>".encode(), "holds no traces"),
    (f"<ink {NS}><trace>1 2, 3</trace></ink>".encode(), "point 2 of a trace has 1 values"),
    (f"<ink {NS}><traceFormat><channel name='T'/></traceFormat><trace>1</trace></ink>".encode(), "no X and Y"),
])
def test_what_is_not_usable_ink_is_refused_with_what_is_wrong(data, message):
    with pytest.raises(InkMLError, match=message):
        read_inkml(data, "note.inkml")
