"""Training: the loss, the loop, and expert iteration (distil)."""
