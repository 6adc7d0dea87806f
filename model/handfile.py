"""A learnt hand as a file of its own, to keep and to share: a zip holding `hand.json`, what
the hand is (its name, which weights it was learnt on, how well it was learnt), and
`adapters.npz`, its numbers. Reading what a hand is needs neither torch nor numpy, so that
`inkscribe hand list` starts as fast as `write` does."""
import io
import json
import os
import re
import zipfile
import zlib
from pathlib import Path

FORMAT = 1
SUFFIX = ".hand"
MAX_BYTES = 2 * 2**20    # a hand of the shipped model's size is about 0.3 MB
CARD, ARRAYS = "hand.json", "adapters.npz"


class HandFileError(ValueError):
    """A file that is not a hand this version can read; the message says why."""


def pack(card: dict, arrays: bytes) -> bytes:
    """A hand file's bytes, from what it is and its numbers (an .npz file's bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(CARD, json.dumps({"format": FORMAT, **card}, indent=1))
        z.writestr(ARRAYS, arrays)
    return out.getvalue()


def _opened(data: bytes, where: str) -> zipfile.ZipFile:
    if len(data) > MAX_BYTES:
        raise HandFileError(f"{where} is {len(data) / 2**20:.1f} MB; a hand file is at most {MAX_BYTES // 2**20} MB")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        names = set(z.namelist())
    except (zipfile.BadZipFile, ValueError):
        raise HandFileError(f"{where} is not a hand file (it is damaged, or something else)") from None
    if not {CARD, ARRAYS} <= names:
        raise HandFileError(f"{where} is not a hand file (it lacks {CARD} or {ARRAYS})")
    if sum(i.file_size for i in z.infolist()) > 4 * MAX_BYTES:   # unpacked: no zip bombs
        raise HandFileError(f"{where} unpacks to more than a hand holds")
    return z


def card(data: bytes, where: str = "the hand file") -> dict:
    """What a hand file says it is; HandFileError where it is not one this version reads."""
    opened = _opened(data, where)
    try:
        said = json.loads(opened.read(CARD))
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError):
        raise HandFileError(f"{where} is damaged: its {CARD} is not JSON") from None
    if not isinstance(said, dict) or said.get("format") != FORMAT:
        raise HandFileError(f"{where} is a hand of another format ({said.get('format') if isinstance(said, dict) else '?'}"
                            f"); this inkscribe reads format {FORMAT}: learn the hand again")
    return said


def arrays(data: bytes, where: str = "the hand file") -> bytes:
    """A hand file's numbers, as an .npz file's bytes."""
    opened = _opened(data, where)
    try:
        return opened.read(ARRAYS)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise HandFileError(f"{where} is damaged: its numbers cannot be read") from None


NAME = re.compile(r"^\w[\w .-]{0,63}$")


def checked_name(name: str) -> str:
    """A hand's name as a file in the hands folder can be called; HandFileError otherwise."""
    if not NAME.match(name):
        raise HandFileError(f"a hand's name is letters, digits, spaces, '.', '-' and '_', at most 64, not {name!r}")
    return name


def folder() -> Path:
    """Where a user's learnt hands are kept: $XDG_DATA_HOME/inkscribe/hands, else
    ~/.local/share/inkscribe/hands."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "inkscribe" / "hands"


def named(name: str) -> Path:
    """Where the hand of this name is kept."""
    return folder() / f"{name}{SUFFIX}"


def kept() -> dict[str, Path]:
    """The user's learnt hands by name (their files' names without .hand)."""
    where = folder()
    return {p.stem: p for p in sorted(where.glob(f"*{SUFFIX}"))} if where.is_dir() else {}


def find(name_or_path: str) -> Path:
    """A hand by the name it was kept under, or a .hand file's path; HandFileError saying
    which hands there are where there is no such one."""
    path = Path(name_or_path)
    if path.suffix == SUFFIX and path.is_file():
        return path
    hands = kept()
    if name_or_path in hands:
        return hands[name_or_path]
    raise HandFileError(f"there is no hand “{name_or_path}”: learnt hands are "
                        + (", ".join(hands) if hands else "none yet (inkscribe hand learn)")
                        + f"; or give a {SUFFIX} file's path")


def latest() -> Path:
    """The hand learnt last; HandFileError where none has been."""
    hands = kept()
    if not hands:
        raise HandFileError(f"no hand has been learnt yet (they are kept in {folder()}): learn one with "
                            f"Extensions › Text › Learn a hand from the selection, or inkscribe hand learn")
    return max(hands.values(), key=lambda p: p.stat().st_mtime)


def read(path: Path) -> bytes:
    """A hand file's bytes, refused unread where it is larger than a hand."""
    if not path.is_file():
        raise HandFileError(f"{path} is not a file")
    if path.stat().st_size > MAX_BYTES:
        raise HandFileError(f"{path} is {path.stat().st_size / 2**20:.1f} MB; a hand file is at most "
                            f"{MAX_BYTES // 2**20} MB")
    return path.read_bytes()
