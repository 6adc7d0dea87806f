"""What an inkscribe extension does before anything else: move to the Python inkscribe was
installed into. Standard library only, since it runs under Inkscape's own Python."""
import json
import os
import subprocess
import sys
from pathlib import Path

SETTINGS = Path(__file__).with_name("inkscribe.json")


def run_in_project_python(script: str) -> None:
    """Re-run `script` with the Python inkscribe was installed into, if the installer said which.

    Inkscape starts extensions with its own Python, which usually lacks pyzmq and the client.
    """
    if not SETTINGS.exists() or os.environ.get("INKSCRIBE_EXTENSION_CHILD"):
        return
    python = json.loads(SETTINGS.read_text()).get("python")
    if python and Path(python).exists():
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # Inkscape's inkex would shadow ours
        env["INKSCRIBE_EXTENSION_CHILD"] = "1"
        sys.exit(subprocess.call([python, script, *sys.argv[1:]], env=env))
