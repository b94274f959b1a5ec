"""What the trend chart costs: start-up and memory of the bot (matplotlib is not loaded
until a chart is drawn), and a /coach summary's time with its chart next to without.

    python -m benchmarks.charts [--rounds 5] [--days 30]

Each measurement runs in a fresh child process (imports and memory are per process):
the baseline is the same program without the chart, in the same run. A 2-core machine
shared with others: read the ratios, not the absolute times, and expect noise.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap

# A child's report: wall seconds of its steps and its peak resident memory (ru_maxrss, KiB).
_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    steps = {}
    t = time.perf_counter()
    import bot.app, bot.service.commands, bot.reports.charts
    steps["import_bot"] = time.perf_counter() - t
    steps["matplotlib_loaded_at_start"] = "matplotlib" in sys.modules
    from benchmarks.charts import month_of_figures
    from bot.reports.charts import render_png, trend
    from bot.reports.summary import compute
    data, now = month_of_figures(int(sys.argv[1]))
    t = time.perf_counter()
    figures = compute(data, now)
    steps["summary"] = time.perf_counter() - t
    if sys.argv[2] == "chart":
        t = time.perf_counter()
        png = render_png(trend(figures))
        steps["first_chart"] = time.perf_counter() - t
        again = []
        for _ in range(5):
            t = time.perf_counter()
            render_png(trend(figures))
            again.append(time.perf_counter() - t)
        steps["chart"] = sorted(again)[2]
        steps["png_bytes"] = len(png)
    steps["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(steps))
    """
)


def month_of_figures(days: int) -> tuple[object, float]:
    """A store-like slice: 40 conversations a day for ``days`` days, a frustration episode
    in every other, acknowledged in half of those, and a survey answer in most."""
    from bot.store.base import Slice
    from bot.store.records import EventRecord, SignalRecord
    from bot.store.survey_records import SurveyRecord, SurveyStatus

    start = 1_772_409_600.0  # 2026-03-02 00:00 UTC
    events, signals, surveys = [], [], []
    for day in range(days):
        for n in range(40):
            conv = f"slack:T1:C1:{day}.{n}"
            at = start + day * 86_400 + n * 600
            angry, ack = n % 2 == 0, n % 4 == 0
            for i, (role, who, fired) in enumerate(
                [("customer", "c", angry), ("agent", "a", ack), ("customer", "c", False)]
            ):
                kind = "frustration" if role == "customer" else "acknowledgement"
                e = EventRecord(f"{conv}#{i}", conv, "posted", f"m{i}", who, role, at + i * 60)
                events.append(e)
                signals.append(SignalRecord(e.event_id, conv, kind, who, 0.5, fired, (), e.at))
            if n % 5:
                score = 5 if ack else 3
                surveys.append(
                    SurveyRecord(conv, "c", at + 300, SurveyStatus.SENT, understood=score)
                )
    return Slice(events=events, signals=signals, surveys=surveys), start + days * 86_400


def child(days: int, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(days), mode],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"plain": [], "chart": []}
    for _ in range(args.rounds):  # alternating, so noise falls on both alike
        for mode in runs:
            runs[mode].append(child(args.days, mode))

    def med(mode: str, key: str) -> float:
        return statistics.median(float(r[key]) for r in runs[mode])

    plain_rss, chart_rss = med("plain", "peak_rss_mib"), med("chart", "peak_rss_mib")
    summary = med("plain", "summary")
    report = {
        "days": args.days,
        "rounds": args.rounds,
        "matplotlib_loaded_at_start": any(
            r["matplotlib_loaded_at_start"] for rs in runs.values() for r in rs
        ),
        "import_bot_s": round(med("plain", "import_bot"), 3),
        "summary_s": round(summary, 4),
        "first_chart_s (imports matplotlib)": round(med("chart", "first_chart"), 3),
        "chart_s (after the first)": round(med("chart", "chart"), 3),
        "chart_vs_summary": round(med("chart", "chart") / summary, 2),
        "peak_rss_mib_without_chart": round(plain_rss, 1),
        "peak_rss_mib_with_chart": round(chart_rss, 1),
        "rss_ratio": round(chart_rss / plain_rss, 2),
        "png_bytes": int(med("chart", "png_bytes")),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
