from __future__ import annotations

import json

import pytest

from adapters.console import transcript as transcript_module
from adapters.console.transcript import TranscriptError, in_order, parse


def test_jsonl_with_iso_and_epoch_times_and_problems_named_by_line() -> None:
    raw = "\n".join(
        [
            json.dumps(
                {
                    "conversation": "c1",
                    "role": "customer",
                    "author": "u1",
                    "text": "hi",
                    "ts": "2026-01-01T10:00:00Z",
                }
            ),
            "{not json",
            json.dumps(
                {"conversation": "c1", "role": "admin", "author": "x", "text": "hi", "ts": 1}
            ),
            json.dumps(
                {
                    "conversation": "c1",
                    "role": "agent",
                    "author": "a1",
                    "text": "hello",
                    "ts": 1767261660,
                }
            ),
            json.dumps({"conversation": "c1", "role": "agent", "text": "no time"}),
            json.dumps(
                {
                    "conversation": "c1",
                    "role": "agent",
                    "text": "naive",
                    "ts": "2026-01-01T10:00:00",
                }
            ),
            "[1, 2]",
        ]
    )
    transcript = parse(raw)
    assert [t.text for t in transcript.turns] == ["hi", "hello"]
    assert transcript.turns[0].ts == 1767261600.0
    joined = "\n".join(transcript.problems)
    assert "line 2: not valid JSON" in joined
    assert "line 3: unknown role 'admin'" in joined
    assert "line 5: bad 'ts'" in joined
    assert "line 6: bad 'ts' (ISO-8601 time without a time zone" in joined


def test_ibm_customer_care_format() -> None:
    conv = {
        "dialogHeader": {
            "sessionID": "S1",
            "company": "AcmeCare",
            "conversationDateTime": "2020-03-27T21:48:19.000Z",
            "duration": "01:00:00.0",
        },
        "dialogContent": [
            {
                "client": "bob",
                "datetime": "2020-03-27T21:48:19.000Z",
                "message": "my app crashes",
                "tweet_ID": "1",
            },
            {
                "agent": "AcmeCare",
                "datetime": "2020-03-27T21:50:00.000Z",
                "message": "sorry, which OS?",
                "tweet_ID": "2",
            },
            {
                "client1": "bob",
                "datetime": "2020-03-27T21:55:00.000Z",
                "message": "windows",
                "tweet_ID": "3",
            },
        ],
        "agentURL": {"tweet_ID": "4", "url_utterance": "Try this link"},
    }
    transcript = parse(json.dumps([conv, conv, {"nope": 1}]))
    assert transcript.format == "ibm"
    assert [(t.role, t.author) for t in transcript.turns] == [
        ("customer", "bob"),
        ("agent", "AcmeCare"),
        ("customer", "bob"),
        ("agent", "AcmeCare"),
    ]
    assert transcript.turns[-1].ts == transcript.turns[0].ts + 3600
    assert any("repeated" in p for p in transcript.problems)
    assert any("item 3" in p for p in transcript.problems)


def test_uss_tab_separated_dialogues() -> None:
    raw = "USER\tI need a taxi\tINFORM\t3,3,3\nSYSTEM\tWhere to?\tREQUEST\t\nUSER\tOVERALL\t\t2,2,2\n\nUSER\tHello\tGREET\t3,3,3\nbroken line\n"
    transcript = parse(raw, name="SGD")
    assert transcript.format == "uss"
    assert [(t.conversation, t.role) for t in transcript.turns] == [
        ("SGD-1", "customer"),
        ("SGD-1", "agent"),
        ("SGD-2", "customer"),
    ]
    assert transcript.turns[1].ts - transcript.turns[0].ts == 60
    assert transcript.problems == ["line 6: expected 'USER' or 'SYSTEM', a tab, then text; skipped"]


def test_abcd_format_skips_action_rows() -> None:
    raw = json.dumps(
        [
            {
                "convo_id": 7,
                "original": [["agent", "Hi!"], ["action", "pulled up"], ["customer", "Hello"]],
            }
        ]
    )
    transcript = parse(raw)
    assert [t.role for t in transcript.turns] == ["agent", "customer"]


def test_out_of_order_timestamps_keep_file_order_and_are_reported() -> None:
    raw = "\n".join(
        json.dumps({"conversation": "c", "role": "customer", "text": str(i), "ts": ts})
        for i, ts in enumerate([100, 50, 200])
    )
    turns, problems = in_order(parse(raw).turns)
    assert [t.text for t in turns] == ["0", "1", "2"]
    assert [t.ts for t in turns] == [100, 100, 200]
    assert problems and "line 2" in problems[0]


@pytest.mark.parametrize("raw", ["", "   \n", '[{"x": 1}]'])
def test_unreadable_transcripts(raw: str) -> None:
    with pytest.raises(TranscriptError):
        parse(raw)


# --- hostile input: each bad line named and skipped, the rest still read ---------------

DEEP = "[" * 100_000  # json recursed until RecursionError: a traceback, the rest lost


def _turn(text: str, ts: object, role: str = "customer") -> str:
    return json.dumps({"conversation": "c", "role": role, "text": text, "ts": ts})


HOSTILE_LINES = [
    _turn("first", 1_700_000_000),
    DEEP,
    '{"conversation": "c", "role": "customer", "text": "x", "ts": NaN}',
    '{"conversation": "c", "role": "customer", "text": "x", "ts": Infinity}',
    '{"conversation": "c", "role": "customer", "text": "x", "ts": 1e400}',
    _turn("x", "NaN"),
    _turn("x", "Infinity"),
    _turn("x", 1e20),
    _turn("x", "1e20"),
    _turn("x", -1),
    _turn("x", "9999-12-31T23:59:59+00:00"),
    '{"conversation": "c", "role": "customer", "text": "x", "ts": 1' + "0" * 5000 + "}",
    json.dumps(
        {"conversation": "c", "role": "customer", "text": "x", "id": [[[[[[]]]]]] * 2}
    ).replace("[]", "[" * 70 + "]" * 70),
    _turn("last", 1_700_000_060, role="agent"),
]


def test_hostile_lines_are_named_and_skipped_and_the_rest_still_read() -> None:
    transcript = parse("\n".join(HOSTILE_LINES))
    assert [t.text for t in transcript.turns] == ["first", "last"]
    assert transcript.problems == [
        "line 2: nested deeper than 64 levels; skipped",
        *[
            f"line {n}: a number out of range (NaN, Infinity or too many digits); skipped"
            for n in (3, 4, 5)
        ],
        *[f"line {n}: bad 'ts' (not a time from 1970 to 2100); skipped" for n in range(6, 12)],
        "line 12: a number out of range (NaN, Infinity or too many digits); skipped",
        "line 13: nested deeper than 64 levels; skipped",
    ]


def test_a_deeply_nested_json_list_is_read_as_lines_and_named() -> None:
    transcript = parse(DEEP + "\n" + _turn("after", 1_700_000_000))
    assert [t.text for t in transcript.turns] == ["after"]
    assert transcript.problems == ["line 1: nested deeper than 64 levels; skipped"]


def test_an_ibm_duration_of_ten_thousand_years_is_a_problem_not_a_time() -> None:
    def conv(session: str, duration: str) -> dict[str, object]:
        return {
            "dialogHeader": {
                "sessionID": session,
                "conversationDateTime": "2017-10-31T22:00:00+00:00",
                "duration": duration,
            },
            "dialogContent": [
                {"client": "c", "message": "hi", "datetime": "2017-10-31T22:00:00+00:00"}
            ],
            "agentURL": {"url_utterance": "see here"},
        }

    transcript = parse(json.dumps([conv("S1", "3650000-00:00:00"), conv("S2", "00:05:00")]))
    assert {t.conversation for t in transcript.turns} == {"S2"}
    assert transcript.problems == [
        "item 1: not an IBM customer-care dialogue (not a time from 1970 to 2100); skipped"
    ]


def test_rows_past_the_limit_are_not_read_and_it_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transcript_module, "MAX_ROWS", 3)
    raw = "\n".join(_turn(f"t{n}", 1_700_000_000 + n) for n in range(1, 6))
    transcript = parse(raw)
    assert [t.text for t in transcript.turns] == ["t1", "t2", "t3"]
    assert transcript.problems == [
        "line 4 on: over the 3 lines a transcript may have; not read (split the file)"
    ]
    abcd = [
        {"convo_id": n, "original": [["customer", "hi"], ["agent", "hello"]]} for n in (1, 2, 3)
    ]
    assert len(parse(json.dumps(abcd)).turns) == 4  # dialogues that start within the limit
