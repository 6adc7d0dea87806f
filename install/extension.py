"""Install the Inkscape extension into the user's Inkscape extensions folder, or remove it.

The extension's files go into <extensions>/inkscribe/, with inkscribe.json naming this
Python: Inkscape starts extensions with its own Python, which usually lacks pyzmq and the
inkscribe client, so the extension re-runs itself with this one.
"""
import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

FOLDER = "inkscribe"
MARKER = "inkscribe.json"


def user_extensions_dir() -> Path:
    """Where this user's Inkscape looks for extensions."""
    if os.environ.get("INKSCAPE_PROFILE_DIR"):
        return Path(os.environ["INKSCAPE_PROFILE_DIR"]) / "extensions"
    inkscape = shutil.which("inkscape")
    if inkscape:
        try:
            out = subprocess.run([inkscape, "--user-data-directory"], capture_output=True, text=True, timeout=60)
            if out.returncode == 0 and out.stdout.strip():
                return Path(out.stdout.strip().splitlines()[-1]) / "extensions"
        except (OSError, subprocess.TimeoutExpired):
            pass
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "inkscape" / "extensions"
    if sys.platform == "darwin":
        return (Path.home() / "Library" / "Application Support" / "org.inkscape.Inkscape" / "config" / "inkscape"
                / "extensions")
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "inkscape" / "extensions"


def install(extensions_dir: Path | None = None) -> Path:
    target = (extensions_dir or user_extensions_dir()) / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    source = resources.files("inkscribe.extension")
    for item in source.iterdir():
        if item.name.endswith((".inx", ".py")) and item.name != "__init__.py":
            (target / item.name).write_bytes(item.read_bytes())
    styles = source.joinpath("styles")
    if styles.is_dir():
        (target / "styles").mkdir(exist_ok=True)
        for item in styles.iterdir():
            if item.name.endswith(".png"):
                (target / "styles" / item.name).write_bytes(item.read_bytes())
    (target / MARKER).write_text(json.dumps({"python": sys.executable}, indent=2) + "\n")
    return target


def uninstall(extensions_dir: Path | None = None) -> Path | None:
    """Remove what install() put there; never a folder that is not ours."""
    target = (extensions_dir or user_extensions_dir()) / FOLDER
    if not (target / MARKER).exists():
        return None
    shutil.rmtree(target)
    return target
