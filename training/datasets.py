"""Training and evaluation rows, read from where they live.

Our own rows (training/data/*.jsonl, written by the team) and our own labels of the
Apache-2.0 IBM customer-care tweets (training/labels/*.jsonl, ids only: the text is read
from ../shared/eval at training time and never copied here). Third-party sets that may
only evaluate (airline, EPITOME) are read by benchmarks/, never by training.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_EVAL = HERE.parent.parent / "shared" / "eval"


@dataclass(frozen=True)
class Row:
    source: str
    id: str
    text: str
    label: int
    context: str = ""
    sure: bool = True  # our labeller's confidence (IBM labels carry it)


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def written(task: str) -> list[Row]:
    path = HERE / "data" / f"{task}_written.jsonl"
    if not path.exists():
        print(f"warning: {path} is missing; training without our written rows")
        return []
    return [
        Row("written", str(r["id"]), str(r["text"]), int(r["label"]), str(r.get("context", "")))  # type: ignore[call-overload]
        for r in _jsonl(path)
    ]


def _ibm_turns(eval_dir: Path) -> dict[str, tuple[str, str]]:
    """tweet id -> (role, text) for every IBM turn, agent final replies included."""
    turns: dict[str, tuple[str, str]] = {}
    for name in ("dev.json", "test.json"):
        for conv in json.loads((eval_dir / "transcripts" / "ibm_customer_care" / name).read_text()):
            for turn in conv["dialogContent"]:
                role = "agent" if "agent" in turn else "customer"
                turns[str(turn["tweet_ID"])] = (role, turn["message"])
            final = conv.get("agentURL") or {}
            if final.get("tweet_ID"):
                turns[str(final["tweet_ID"])] = ("agent", final["url_utterance"])
    return turns


def ibm(task: str, eval_dir: Path = DEFAULT_EVAL, sure_only: bool = False) -> list[Row]:
    turns = _ibm_turns(eval_dir)
    rows = []
    for r in _jsonl(HERE / "labels" / f"ibm_{task}.jsonl"):
        if sure_only and not r.get("sure", True):
            continue
        _, text = turns[str(r["id"])]
        context = turns.get(str(r.get("context_id")), ("", ""))[1]
        sure = bool(r.get("sure", True))
        rows.append(Row("ibm", str(r["id"]), text, int(r["label"]), context, sure))  # type: ignore[call-overload]
    return rows


def in_training_half(row_id: str) -> bool:
    """GoEmotions is split in two by a hash of the id: one half trains, the other evaluates."""
    return zlib.crc32(row_id.encode()) % 2 == 0


def goemotions(eval_dir: Path = DEFAULT_EVAL, half: str = "train") -> list[Row]:
    path = eval_dir / "labelled" / "frustration_goemotions.jsonl"
    want_train = half == "train"
    return [
        Row("goemotions", str(r["id"]), str(r["text"]), int(r["label"]))  # type: ignore[call-overload]
        for r in _jsonl(path)
        if in_training_half(str(r["id"])) == want_train
    ]


def mwoz(eval_dir: Path = DEFAULT_EVAL, half: str = "train") -> list[Row]:
    """MultiWOZ customer turns (dialogue text MIT-licensed) as calm-chat examples.

    Dialogues are split in two by a hash of their id, like GoEmotions: one half trains,
    the other is held out for benchmarks/transcripts.py. Nearly every turn is calm task
    talk ("Book it for 3 people."); the few our labeller judged frustrated are listed by
    id in labels/mwoz_frustration.jsonl. The USS satisfaction ratings beside the text are
    evaluation-only and never read here.
    """
    frustrated = {
        str(r["id"]): int(r["label"])  # type: ignore[call-overload]
        for r in _jsonl(HERE / "labels" / "mwoz_frustration.jsonl")
    }
    path = eval_dir / "transcripts" / "uss_multiwoz_sgd" / "MWOZ.txt"
    rows = []
    for dialogue, turns in enumerate(_uss_dialogues(path), start=1):
        conversation = f"MWOZ-{dialogue}"
        if in_training_half(conversation) != (half == "train"):
            continue
        for index, (speaker, text) in enumerate(turns):
            if speaker == "USER":
                row_id = f"{conversation}#{index}"
                rows.append(Row("mwoz", row_id, text, frustrated.get(row_id, 0)))
    return rows


def _uss_dialogues(path: Path) -> Iterator[list[tuple[str, str]]]:
    """(speaker, text) turns of each dialogue, numbered as adapters/console/transcript.py
    numbers them (the dialogue-level OVERALL rows are not turns)."""
    turns: list[tuple[str, str]] = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if not line.strip():
                if turns:
                    yield turns
                turns = []
            elif len(parts) >= 2 and parts[0] in ("USER", "SYSTEM") and parts[1] != "OVERALL":
                turns.append((parts[0], parts[1]))
    if turns:
        yield turns


def labelled(name: str, eval_dir: Path = DEFAULT_EVAL) -> list[Row]:
    """An evaluation-only labelled file of ../shared/eval/labelled (by stem)."""
    return [
        Row(name, str(r["id"]), str(r["text"]), int(r["label"]), str(r.get("context", "")))  # type: ignore[call-overload]
        for r in _jsonl(eval_dir / "labelled" / f"{name}.jsonl")
    ]
