"""Redaction stays linear in the length of its input, whatever the input.

    python -m benchmarks.redaction [--chars 40000] [--rounds 5]

For each adversarial input (long runs of word characters, digits, "a@", IBAN-like words,
separated digits...) it times ``redact`` on the input and on the input four times over, in
the same process, and prints the ratio: about 4 for linear time, 16 for quadratic. A
baseline in the same run, ``str.lower`` on the same text, shows how noisy the machine is.
``stored_text`` (what the runtime calls for a message) is timed on the slowest input too:
it redacts at most 8,000 characters whatever the message's length.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from bot.redact import redact, stored_text

GROWTH = 4


def inputs(chars: int) -> dict[str, str]:
    def fill(unit: str) -> str:
        return (unit * (chars // len(unit) + 1))[:chars]

    return {
        "word characters": fill("a"),
        "dotted words": fill("a."),
        "a@ pairs": fill("a@"),
        "digits": fill("1"),
        "digits and spaces": fill("1 "),
        "digits and dashes": fill("12-"),
        "IBAN-like words": fill("ab12 "),
        "plus signs": fill("+1 "),
        "token prefixes": fill("xoxb-"),
        "JWT prefixes": fill("eyJa."),
        "digits and commas": fill("1,"),
        "digit lines": fill("1234\n"),
        "digit groups of four": fill("4111 "),
        "parentheses": fill("(12) "),
        "open parentheses": fill("(1"),
        "dates and times": fill("2024-03-05 12:30 "),
        "versions": fill("1.0."),
        "mention prefixes": fill("<@1"),
        "discord: prefixes": fill("discord:1:"),
        "NI-like words": fill("ab 12 34 "),
        "DNI-like runs": fill("12345678-"),
        "mixed support text": fill("mail jo@example.com, card 4111 1111 1111 1111, 555-1234. "),
    }


def best_of(rounds: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    print(f"input: {args.chars:,} characters, then {GROWTH}x that; best of {args.rounds} rounds")
    print(f"{'input':22} {'ms':>9} {f'ms x{GROWTH}':>9} {'ratio':>6}   baseline ratio (str.lower)")
    worst = 0.0
    for name, text in inputs(args.chars).items():
        bigger = text * GROWTH
        small = best_of(args.rounds, lambda t=text: redact(t))  # type: ignore[misc]
        large = best_of(args.rounds, lambda t=bigger: redact(t))  # type: ignore[misc]
        base = best_of(args.rounds, bigger.lower) / best_of(args.rounds, text.lower)
        ratio = large / small
        worst = max(worst, ratio)
        print(f"{name:22} {small * 1e3:9.2f} {large * 1e3:9.2f} {ratio:6.1f}   {base:5.1f}")
    slowest = inputs(args.chars)["digits and spaces"] * GROWTH
    capped = best_of(args.rounds, lambda: stored_text(slowest))
    print(f"stored_text on {len(slowest):,} characters of digits and spaces: {capped * 1e3:.2f} ms")
    verdict = "PASS" if worst < GROWTH * 2 else "FAIL"
    print(f"worst growth ratio: {worst:.1f} (linear ~{GROWTH}, quadratic ~{GROWTH**2}): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
