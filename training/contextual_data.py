"""Rows for the contextual model, each with the agent message before it where there was one.

Only sources whose licences allow shipped weights train (../shared/eval/README.md):
- ``written``: the team's own rows: training/data/frustration_written.jsonl (messages on
  their own) and training/data/frustration_in_context.jsonl (each after the agent message
  it answers, with a confusion label: terse frustration only the context explains, calm
  replies to the same agent messages, customers lost in instructions).
  training/data/tried_in_context.jsonl holds 348 more such rows (calm questions after a
  step, terse frustration, lost customers) that no shipped model trained on: trained with
  them, the model did worse on the sources it never saw (docs/how-it-decides.md, "Tried
  and not shipped"), so they wait for a training recipe that uses them without that cost;
- ``ibm``: the team's labels of IBM customer-care tweets (Apache-2.0), context = the
  brand's previous reply in the thread;
- ``goemotions``: GoEmotions train + dev splits (Apache-2.0), Reddit, no context; its
  ``confusion`` emotion labels the second output;
- ``mwoz``: MultiWOZ customer turns (MIT) of the training half of its dialogues, as calm
  chat, context = the system's previous turn;
- ``taskmaster``: Taskmaster-4 coffee-ordering customer turns (CC BY 4.0) of the training
  half of its dialogues, as calm chat, context = the barista's previous turn.
Evaluation-only sources (airline, EPITOME, SGD and the USS ratings) are read by
benchmarks/ and training/loso.py's evaluation, never trained on.
"""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from training import datasets

TRAINING_SOURCES = ("written", "ibm", "goemotions", "mwoz", "taskmaster")
# Emotions that are neither frustration nor distress: GoEmotions rows labelled only with
# these (or neutral) are calm text, the false-alarm check on Reddit.
CALM_EMOTIONS = frozenset(
    """neutral admiration amusement approval caring desire excitement gratitude joy love
    optimism pride relief""".split()
)
# How many rows of the large calm and Reddit sources one training run takes: enough to
# teach what ordinary chat looks like without drowning the support rows, and one epoch of
# the whole mix fits in about twelve minutes on two cores. GoEmotions' other rows were
# 2,000 until 2026-12-07: with 41% of its rows frustrated the model read Reddit's opinions
# and banter as frustration; at 3,300 (30%) it ranks the sets no model trains on better
# (docs/how-it-decides.md, "More calm Reddit").
SAMPLE = {
    "goemotions_frustrated": 1400,
    "goemotions_other": 3300,
    "goemotions_confused": 666,  # at most this many of "other" are confused rows
    "mwoz": 1400,
    "taskmaster": 1000,
}


@dataclass(frozen=True)
class Example:
    source: str
    id: str
    text: str
    context: str
    frustrated: int | None  # None: this source says nothing about it (masked in training)
    confused: int | None
    calm: bool = False  # a turn of ordinary calm chat (the false-alarm checks)


def half(key: str) -> str:
    """Dialogues and rows split in two by a hash of their id: 'train' or 'heldout'."""
    return "train" if zlib.crc32(key.encode()) % 2 == 0 else "heldout"


def written() -> list[Example]:
    alone = [
        Example("written", r.id, r.text, r.context, r.label, None)
        for r in datasets.written("frustration")
    ]
    return alone + in_context()


def in_context() -> list[Example]:
    """Our rows written as replies to an agent message, labelled for both outputs."""
    path = datasets.HERE / "data" / "frustration_in_context.jsonl"
    if not path.exists():
        return []
    return [
        Example(
            "written",
            str(r["id"]),
            str(r["text"]),
            str(r.get("context", "")),
            int(r["label"]),  # type: ignore[call-overload]
            int(r["confused"]),  # type: ignore[call-overload]
        )
        for r in datasets._jsonl(path)
    ]


def tried(confusion_only: bool = False) -> list[Example]:
    """training/data/tried_in_context.jsonl (no shipped model trained on it); with
    ``confusion_only`` their frustration labels are masked, so they teach the confusion
    output alone (docs/how-it-decides.md, "Tried and not shipped")."""
    return [
        Example(
            "written",
            "tried-" + str(r["id"]),
            str(r["text"]),
            str(r.get("context", "")),
            None if confusion_only else int(r["label"]),  # type: ignore[call-overload]
            int(r["confused"]),  # type: ignore[call-overload]
        )
        for r in datasets._jsonl(datasets.HERE / "data" / "tried_in_context.jsonl")
    ]


def ibm(eval_dir: Path) -> list[Example]:
    contexts = _ibm_contexts(eval_dir)
    return [
        Example("ibm", r.id, r.text, contexts.get(r.id, ""), r.label, None)
        for r in datasets.ibm("frustration", eval_dir)
    ]


def _ibm_contexts(eval_dir: Path) -> dict[str, str]:
    """Customer tweet id -> the brand's reply before it in the thread ("" for none)."""
    found: dict[str, str] = {}
    for name in ("dev.json", "test.json"):
        path = eval_dir / "transcripts" / "ibm_customer_care" / name
        for conv in json.loads(path.read_text()):
            last_agent = ""
            for turn in conv["dialogContent"]:
                if "agent" in turn:
                    last_agent = turn["message"]
                else:
                    found[str(turn["tweet_ID"])] = last_agent
    return found


def goemotions(eval_dir: Path, split: str = "train") -> list[Example]:
    """``split`` 'train' (train + dev, may train) or 'test' (evaluation only)."""
    name = "frustration_goemotions_train" if split == "train" else "frustration_goemotions"
    rows = []
    for r in datasets._jsonl(eval_dir / "labelled" / f"{name}.jsonl"):
        labels = set(r.get("raw_labels") or [])  # type: ignore[arg-type]
        rows.append(
            Example(
                "goemotions",
                str(r["id"]),
                str(r["text"]),
                "",
                int(r["label"]),  # type: ignore[call-overload]
                int("confusion" in labels),
                calm=bool(labels) and labels <= CALM_EMOTIONS,
            )
        )
    return rows


def mwoz(eval_dir: Path, which: str = "train") -> list[Example]:
    """Customer turns of the MWOZ dialogues in half ``which`` ('train'/'heldout'/'all')."""
    by_id = {r.id: r.label for r in datasets.mwoz(eval_dir, "train")}
    by_id |= {r.id: r.label for r in datasets.mwoz(eval_dir, "heldout")}
    path = eval_dir / "transcripts" / "uss_multiwoz_sgd" / "MWOZ.txt"
    rows = []
    for number, turns in enumerate(datasets._uss_dialogues(path), start=1):
        conversation = f"MWOZ-{number}"
        if which != "all" and datasets.in_training_half(conversation) != (which == "train"):
            continue
        context = ""
        for index, (speaker, text) in enumerate(turns):
            if speaker == "SYSTEM":
                context = text
                continue
            row_id = f"{conversation}#{index}"
            label = by_id.get(row_id, 0)
            rows.append(Example("mwoz", row_id, text, context, label, 0, calm=label == 0))
    return rows


def taskmaster(eval_dir: Path, which: str = "train") -> list[Example]:
    path = eval_dir / "transcripts" / "taskmaster4" / "coffee.jsonl"
    rows = []
    context: dict[str, str] = {}
    for number, line in enumerate(path.open(encoding="utf-8")):
        if not line.strip():
            continue
        r = json.loads(line)
        conversation = str(r["conversation"])
        if r["role"] == "agent":
            context[conversation] = str(r["text"])
            continue
        if which != "all" and half(conversation) != which:
            continue
        rows.append(
            Example(
                "taskmaster",
                f"{conversation}#{number}",
                str(r["text"]),
                context.get(conversation, ""),
                0,
                0,
                calm=True,
            )
        )
    return rows


def training_pool(eval_dir: Path) -> dict[str, list[Example]]:
    """Every row a training run may draw from, by source."""
    return {
        "written": written(),
        "ibm": ibm(eval_dir),
        "goemotions": goemotions(eval_dir, "train"),
        "mwoz": mwoz(eval_dir, "train"),
        "taskmaster": taskmaster(eval_dir, "train"),
    }


# Context is present for almost every live customer message, but only the calm chat sources
# and IBM have it in the data: left as it is, the model would learn "has context, so
# calm". So rows without context get a real agent message from the pool as theirs most of
# the time, and a few rows with context lose it (first messages exist too).
GIVE_CONTEXT = 0.7
DROP_CONTEXT = 0.15


def agent_messages(eval_dir: Path) -> list[str]:
    """Agent turns of the training sources (IBM brands, MWOZ system and Taskmaster barista
    turns of the training halves) and our own written agent replies: contexts to lend."""
    found: list[str] = [r.text for r in datasets.written("acknowledgement")]
    for name in ("dev.json", "test.json"):
        path = eval_dir / "transcripts" / "ibm_customer_care" / name
        for conv in json.loads(path.read_text()):
            found += [t["message"] for t in conv["dialogContent"] if "agent" in t]
    path = eval_dir / "transcripts" / "uss_multiwoz_sgd" / "MWOZ.txt"
    for number, turns in enumerate(datasets._uss_dialogues(path), start=1):
        if datasets.in_training_half(f"MWOZ-{number}"):
            found += [text for speaker, text in turns if speaker == "SYSTEM"]
    for line in (eval_dir / "transcripts" / "taskmaster4" / "coffee.jsonl").open():
        r = json.loads(line)
        if r["role"] == "agent" and half(str(r["conversation"])) == "train":
            found.append(str(r["text"]))
    return found


def with_contexts(rows: list[Example], lend: list[str], seed: int) -> list[Example]:
    """Rows whose context no longer tells calm from frustrated (see ``GIVE_CONTEXT``)."""
    rng = random.Random(seed + 7)
    out = []
    for row in rows:
        if not row.context and rng.random() < GIVE_CONTEXT:
            row = replace(row, context=rng.choice(lend))
        elif row.context and rng.random() < DROP_CONTEXT:
            row = replace(row, context="")
        out.append(row)
    return out


def sample(
    pool: dict[str, list[Example]], seed: int, sizes: dict[str, int] | None = None
) -> dict[str, list[Example]]:
    """The rows one run trains on: our own and IBM rows whole, the big sources sampled
    (``sizes``: how many of each, ``SAMPLE`` unless an experiment says otherwise)."""
    sizes = SAMPLE if sizes is None else sizes
    rng = random.Random(seed)
    out: dict[str, list[Example]] = {}
    for source, rows in pool.items():
        if source == "goemotions":
            angry = [r for r in rows if r.frustrated]
            other = [r for r in rows if not r.frustrated]
            # Confused rows are rare: the first of them make the cut, calm rows fill the rest.
            confused = [r for r in other if r.confused]
            rest = [r for r in other if not r.confused]
            n_other = sizes["goemotions_other"]
            take = confused[: sizes["goemotions_confused"]]
            take += rng.sample(rest, n_other - len(take))
            out[source] = rng.sample(angry, sizes["goemotions_frustrated"]) + take
        elif source in sizes:
            out[source] = rng.sample(rows, min(sizes[source], len(rows)))
        else:
            out[source] = list(rows)
    return out
