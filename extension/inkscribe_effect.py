"""What the inkscribe entries share: quiet in Inkscape's batch mode, the daemon's settings
and its connection, and how their messages begin."""
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import inkex
from lxml import etree

from inkscribe.daemon import protocol
from inkscribe.daemon.client import Client


def inkscape_in_batch_mode() -> int | None:
    """The pid of an Inkscape running this document with --batch-process, else None. Found
    in /proc (Linux): Inkscape starts extensions detached, so it is not an ancestor."""
    document = os.environ.get("DOCUMENT_PATH")
    if not document or not Path("/proc").is_dir():
        return None
    document = os.path.realpath(document)
    for process in Path("/proc").glob("[0-9]*"):
        try:
            program, *arguments = (process / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except (OSError, ValueError):
            continue
        if Path(program).name.lower().startswith("inkscape") and "--batch-process" in arguments and any(
                os.path.realpath(a) == document for a in arguments if a and not a.startswith("-")):
            return int(process.name)
    return None


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class InkscribeEffect(inkex.EffectExtension):
    """What both entries share: quiet in Inkscape's batch mode, and the daemon's settings and
    connection (started if it is not running)."""

    def run(self, args=None, output=inkex.base.InkscapeExtension.output_unspecified):
        batch = inkscape_in_batch_mode()
        if batch is None:
            return super().run(args, output)
        # In batch mode Inkscape shows whatever an extension says on stderr in a dialog that
        # nobody is there to close, and the run hangs. Say it on Inkscape's own stderr
        # instead, and end as a run that changed nothing: no output, success.
        with open(f"/proc/{batch}/fd/2", "w") as console, contextlib.redirect_stderr(console):
            try:
                super().run(args, output)
            except SystemExit as stopped:
                if stopped.code:
                    sys.exit(0)
                raise

    nothing_done = ""   # each entry's first words on an error: what did not happen

    def effect(self):
        # Inkscape 1.2 shows whatever an extension says under "The script did not return an
        # error", whatever its exit status: the first words must say that nothing happened.
        try:
            self.check_numbers()
            self.act()
        except inkex.AbortExtension as e:
            raise inkex.AbortExtension(f"{self.nothing_done}\n\n{capital(str(e))}") from None

    def act(self):
        raise NotImplementedError

    def check_numbers(self) -> None:
        """Every number within the range the entry's .inx gives it: Inkscape's dialog keeps
        them there, a script calling the entry may not (nan, inf, a timeout of 1e9 seconds)."""
        inx = Path(sys.modules[type(self).__module__].__file__).with_suffix(".inx")
        for param in etree.parse(str(inx)).iter("{*}param"):
            value = getattr(self.options, param.get("name"), None)
            if param.get("type") not in ("int", "float") or value is None:
                continue
            low, high = float(param.get("min", "-inf")), float(param.get("max", "inf"))
            if not low <= value <= high:   # false for nan too
                raise inkex.AbortExtension(f"the setting {param.get('name')} is {value}; it is from {low:g} to {high:g}.")

    def add_arguments(self, pars):
        pars.add_argument("--endpoint", default="")
        pars.add_argument("--timeout", type=float, default=300.0)
        pars.add_argument("--idle_exit", type=int, default=15)   # minutes a daemon it starts waits for work

    def client(self) -> Client:
        try:
            client = Client(self.options.endpoint or None, timeout=self.options.timeout)
        except protocol.UnsafeFolder as e:
            raise inkex.AbortExtension(f"{e}.") from None
        if client.ping(timeout=2.0):
            return client
        # Not running: start it through the installed inkscribe, and wait for it.
        started = subprocess.run([sys.executable, "-m", "inkscribe.daemon.cli", "daemon", "--detach",
                                  "--idle-exit", str(self.options.idle_exit * 60),
                                  "--endpoint", client.endpoint], capture_output=True, text=True)
        if started.returncode != 0 or not client.ping(timeout=5.0):
            raise inkex.AbortExtension(
                f"The inkscribe daemon is not running at {client.endpoint} and could not be started:\n"
                f"{started.stderr.strip()}\nStart it yourself with: inkscribe daemon")
        return client
