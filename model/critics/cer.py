"""Character error rate, as eval scores recognisers' readings and the stroke reader its own."""


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance over the reference's length."""
    previous = list(range(len(hypothesis) + 1))
    for i, a in enumerate(reference, 1):
        current = [i]
        for j, b in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1] / max(1, len(reference))
