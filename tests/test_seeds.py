"""Seeds derived from a request's seed: one for every version of every word of every line, none shared."""
from inkscribe.daemon.protocol import Limits
from inkscribe.model.net.sampling import SampleConfig
from inkscribe.model.seeds import derive
from inkscribe.model.write.writer import seeded


def test_every_word_version_of_the_largest_request_and_of_the_next_rows_gets_a_seed_of_its_own():
    limits = Limits()
    words = limits.line_chars // 2   # "a a a ...": the most words a line can hold
    # A CSV run seeds row n with seed + n: rows next to each other must not share seeds either.
    seeds = [derive(seed, line, word, version) for seed in (7, 8) for line in range(limits.lines)
             for word in range(0, words, 3) for version in range(8)]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= s < 2**63 for s in seeds)


def test_a_word_is_seeded_by_where_it_is_not_by_how_many_versions_are_written():
    one, eight = SampleConfig(seed=3, versions=1), SampleConfig(seed=3, versions=8)
    assert seeded(one, 4, 2, 0).seed == seeded(eight, 4, 2, 0).seed == derive(3, 4, 2, 0)
    assert seeded(SampleConfig(seed=None), 4, 2, 0).seed is None   # unseeded stays random
    # The old arithmetic's collision: word 3 of line 100 against word 0's second version in line 0.
    assert derive(5, 100, 3, 0) != derive(5, 0, 0, 1)
