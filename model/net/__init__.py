"""The network (seed architecture), its mixture-density output, sampling, and weights files."""
