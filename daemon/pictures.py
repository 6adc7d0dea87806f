"""Style pictures made small before they are sent: the model reads a picture at no more
than PICTURE_SIDE pixels a side, so a phone photo of a page costs the connection, and the
daemon's memory, a fraction of its file.

Uses Pillow where the Python running the client has it (the command line does; Inkscape's
own Python may not), and sends the file as it is where it does not.
"""
import io
import os
import stat

from inkscribe.model.config import PICTURE_SIDE

READ_BYTES = 256 * 2**20   # the largest picture file a client reads to shrink


def check_file(path: str | os.PathLike) -> None:
    """ValueError unless `path` is a regular file of at most READ_BYTES. Checked before it is
    opened: a pipe or a device would hang, or never end."""
    try:
        status = os.stat(path)
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        raise ValueError(f"{path} is not a regular file; a style comes from pictures, SVG or InkML files")
    if status.st_size > READ_BYTES:
        raise ValueError(f"{path} is over {READ_BYTES // 2**20} MiB; a style needs only a few lines of handwriting")


def read_picture(path: str | os.PathLike) -> bytes:
    """A picture file's bytes, once check_file has passed it."""
    check_file(path)
    with open(path, "rb") as f:
        return f.read(READ_BYTES)


def fitted(data: bytes) -> bytes:
    """`data` (PNG or JPEG) shrunk to PICTURE_SIDE a side, or as it was where it is already
    that small, is not a picture Pillow reads, or Pillow is missing."""
    try:
        from PIL import Image
    except ImportError:
        return data
    try:
        image = Image.open(io.BytesIO(data), formats=["PNG", "JPEG"])
        if max(image.size) <= PICTURE_SIDE:
            return data
        photo = image.format == "JPEG"
        image.draft(None, (PICTURE_SIDE, PICTURE_SIDE))
        image.thumbnail((PICTURE_SIDE, PICTURE_SIDE))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92) if photo else image.save(out, "PNG")
        return out.getvalue() if out.tell() < len(data) else data
    except Exception:   # Pillow's errors share no base class; the daemon says what is wrong with it
        return data
