#!/usr/bin/env python3
"""Inkscape extension: learn a hand from the selection.

The selection holds a few lines of handwriting drawn with the pencil or pen tool (or a
tablet), one under another, and one text object that says what they say, a line of text per
written line. The daemon learns the hand; it is kept under the name given, in the same folder
as `inkscribe hand learn` keeps hands, and the Handwriting entry writes with it. The document
is not changed.
"""
import inkscribe_launch

if __name__ == "__main__":
    inkscribe_launch.run_in_project_python(__file__)

import base64  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402

import inkex  # noqa: E402

import inkscribe_text  # noqa: E402
from inkscribe_effect import InkscribeEffect  # noqa: E402
from inkscribe.daemon.client import DaemonError, DaemonUnavailable  # noqa: E402
from inkscribe.model import handfile  # noqa: E402
from inkscribe.model.page import charset  # noqa: E402
from inkscribe.model.page.drawn import drawn_paths, lines_of, strokes_of  # noqa: E402


class Cancelled(Exception):
    """Inkscape's Cancel ends the script with SIGTERM."""


class Learn(InkscribeEffect):
    """Extensions › Text › Learn a hand from the selection."""

    def add_arguments(self, pars):
        super().add_arguments(pars)
        pars.add_argument("--name", default="")

    nothing_done = "No hand was learnt."

    def act(self):
        name = self.options.name.strip()
        try:
            handfile.checked_name(name)
        except handfile.HandFileError as e:
            raise inkex.AbortExtension(f"Give the hand a name on the dialog: {e}.") from None
        texts = inkscribe_text.texts_in(self.svg.selection.values())
        if len(texts) != 1:
            raise inkex.AbortExtension(
                f"select one text object that says what the written lines say (a line of text for each written "
                f"line), together with the lines; {len(texts)} text objects are selected.")
        try:
            block = inkscribe_text.read(texts[0], self.svg)
        except ValueError as e:
            raise inkex.AbortExtension(f"{e}.") from None
        try:
            said = [charset.normalise(line.text) for line in block.lines if line.text.strip()]
        except charset.UnknownCharacterError as e:
            raise inkex.AbortExtension(f"{block.name} cannot be learnt from: {e}.") from None
        try:
            strokes, outlines = strokes_of(drawn_paths(self.svg.selection.values(), skip=inkscribe_text.is_handwriting))
        except ValueError as e:
            raise inkex.AbortExtension(f"{e}.") from None
        if outlines and not strokes:
            raise inkex.AbortExtension(
                "the selected handwriting is filled outlines (the calligraphy tool's): write the lines with the "
                "pencil or pen tool, or a tablet.")
        lines = lines_of([s for s in strokes if len(s) > 1])
        if not lines and any(isinstance(e, inkex.Image) for e in self.svg.selection.values()):
            raise inkex.AbortExtension(
                "this entry learns from lines drawn in Inkscape; a picture of written lines is traced by the command "
                "line: inkscribe hand learn PICTURE --text-file WHAT-IT-SAYS.txt --name NAME.")
        if not lines:
            raise inkex.AbortExtension("no handwriting is drawn in the selection: select the written lines with "
                                       "the text that says what they say.")
        if len(lines) != len(said):
            raise inkex.AbortExtension(
                f"the selection holds {len(lines)} written lines and {block.name} {len(said)} lines of text: give "
                f"each written line its line of text, in reading order.")
        client = self.client()
        started, job = time.monotonic(), None
        signal.signal(signal.SIGTERM, self._cancelled)
        try:
            job = client.learn([[list(map(list, s)) for s in line] for line in lines], said, name)
            status = client.learnt(job)
        except Cancelled:
            if job is not None:
                client.learn_cancel(job)
            raise inkex.AbortExtension("cancelled.") from None
        except (DaemonError, DaemonUnavailable) as e:
            raise inkex.AbortExtension(f"{e}.") from None
        if status["state"] != "done":
            raise inkex.AbortExtension(f"{status.get('error', {}).get('message', status['state'])}.")
        target = handfile.named(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(status["hand"]))
        # The document is not changed, so this is the only way the user hears it was learnt.
        inkex.utils.errormsg(
            f"Learnt the hand “{name}” from {len(lines)} lines in {time.monotonic() - started:.0f} s. To write "
            f"with it: Extensions › Text › Handwriting, Hand: a hand you taught it, named “{name}”.")

    @staticmethod
    def _cancelled(signum, frame):
        raise Cancelled()


if __name__ == "__main__":
    Learn().run()
