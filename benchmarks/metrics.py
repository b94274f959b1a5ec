"""Classification figures without scikit-learn (the benchmark runs in the test install)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figures:
    rows: int
    positives: int
    precision: float
    recall: float
    f1: float
    roc_auc: float
    pr_auc: float
    balanced_accuracy: float


def roc_auc(labels: list[int], scores: list[float]) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(labels)
    neg = len(labels) - pos
    if not pos or not neg:
        return float("nan")
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def pr_auc(labels: list[int], scores: list[float]) -> float:
    """Average precision: the mean of precision at each positive, best score first."""
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: -p[0])
    hits, total = 0, 0.0
    for seen, (_, y) in enumerate(pairs, start=1):
        if y:
            hits += 1
            total += hits / seen
    return total / max(1, sum(labels))


def figures(labels: list[int], scores: list[float], predicted: list[bool]) -> Figures:
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted, strict=True) if not y and p)
    fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y and not p)
    tn = len(labels) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    specificity = tn / (tn + fp) if tn + fp else 0.0
    return Figures(
        rows=len(labels),
        positives=sum(labels),
        precision=precision,
        recall=recall,
        f1=f1,
        roc_auc=roc_auc(labels, scores),
        pr_auc=pr_auc(labels, scores),
        balanced_accuracy=(recall + specificity) / 2,
    )
