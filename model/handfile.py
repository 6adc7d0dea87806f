"""A learnt hand as a file of its own, to keep and to share: a zip holding `hand.json`, what
the hand is (its name, which weights it was learnt on, how well it was learnt), and
`adapters.npz`, its numbers. Reading what a hand is needs neither torch nor numpy, so that
`inkscribe hand list` starts as fast as `write` does."""
import io
import json
import zipfile
import zlib

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
