"""Measured quality: the eval, benchmarks, sample sheets, the texts eval writes."""
