"""Every seed the project derives from another comes from `derive`: a request's line, a
line's word, a word's version, a training step's batch. Derived by a hash of the whole path,
not by arithmetic on the seed, so that no two paths share one: `seed * 1000 + word` gave
word 3 of line 100 the seed of word 0's second version in line 0."""
import hashlib

# Seeds fit a signed 64-bit integer, as torch.Generator.manual_seed takes them.
BITS = 63


def derive(seed: int, *path: int | str) -> int:
    """The seed of the thing at `path` under `seed`, e.g. derive(request_seed, line, word,
    version) or derive(run_seed, "batch", step, rank)."""
    text = ":".join(map(str, (seed, *path))).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little") >> (64 - BITS)
