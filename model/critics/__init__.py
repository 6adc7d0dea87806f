"""Networks and tools kept apart from the generator that read or judge writing."""
