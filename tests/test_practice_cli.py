"""``coach practice`` end to end: the stable ``--list`` and ``--json`` formats (through the
installed command, replies on standard input), the interactive coloured session on a
real pseudo-terminal, ``--check`` and ``--import``."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.cli.main import main
from bot.practice import library
from bot.practice.terminal import PracticeView
from coaching.practice.roleplay import Briefing, CoachTip, CustomerSays, Note
from coaching.practice.scenario import Outcome, from_dict
from coaching.practice.scorecard import Scorecard
from coaching.text import is_control
from coaching.types import NudgeKind

COACH = shutil.which("coach") or str(Path(sys.executable).parent / "coach")
SCENARIOS = library.load()
LATE = SCENARIOS.scenarios["late-delivery"]
EMPATHETIC = [LATE.step("open").example, LATE.step("birthday").example]
DISMISSIVE = ["Please wait for the courier to deliver it.", "That's our policy, sorry."]


# Lexicon on purpose: these test practice's mechanics on "late-delivery", whose opening the
# shipped contextual model misses (0.13: "I've been waiting all week ... Where is it??"),
# a known miss reported with the model's figures.
LEXICON = {"COACH_COACHING__MODEL": "lexicon"}


def coach(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")} | LEXICON
    return subprocess.run(
        [COACH, *args], input=stdin, capture_output=True, text=True, timeout=120, env=env, cwd=cwd
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_list_prints_one_scenario_a_line_id_first() -> None:
    result = coach("practice", "--list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [s.id for s in SCENARIOS]
    assert len(lines) >= 12
    assert lines[[s.id for s in SCENARIOS].index("late-delivery")].endswith(LATE.title)


def test_json_session_with_empathetic_replies_calms_the_customer() -> None:
    result = coach("practice", "late-delivery", "--json", stdin="\n".join(EMPATHETIC) + "\n")
    assert result.returncode == 0, result.stderr
    *turns, last = json_lines(result.stdout)
    assert turns == [
        {"role": "customer", "text": LATE.step(name).says}
        for name in ("open", "birthday", "relieved")
    ]
    card = last["scorecard"]
    assert set(card) >= {"scenario", "score", "outcome", "strengths", "try"}
    assert card["scenario"] == "late-delivery" and card["outcome"] == "calmed"
    assert 0 <= card["score"] <= 100 and card["score"] >= 90
    assert card["strengths"] and card["try"] == []


def test_json_session_with_dismissive_replies_escalates_and_scores_30_lower() -> None:
    kind = coach("practice", "late-delivery", "--json", stdin="\n".join(EMPATHETIC) + "\n")
    rude = coach("practice", "late-delivery", "--json", stdin="\n".join(DISMISSIVE) + "\n")
    *turns, last = json_lines(rude.stdout)
    assert [t["text"] for t in turns] == [
        LATE.step(name).says for name in ("open", "fed-up", "gone")
    ]
    card = last["scorecard"]
    assert card["outcome"] == "escalated" and card["try"] and card["examples"]
    assert json_lines(kind.stdout)[-1]["scorecard"]["score"] - card["score"] >= 30


def test_json_input_that_ends_early_leaves_the_outcome_unresolved() -> None:
    result = coach("practice", "late-delivery", "--json", stdin="\n\n" + EMPATHETIC[0] + "\n")
    *turns, last = json_lines(result.stdout)
    assert len(turns) == 2  # blank lines are not replies
    assert last["scorecard"]["outcome"] == "unresolved"


def test_the_same_replies_print_the_same_session() -> None:
    replies = "\n".join([EMPATHETIC[0], DISMISSIVE[1]]) + "\n"
    first = coach("practice", "late-delivery", "--json", stdin=replies)
    assert first.stdout == coach("practice", "late-delivery", "--json", stdin=replies).stdout


def test_bad_usage_is_explained(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "practice", "late-delivry", "--json")
    assert code == 2 and "did you mean 'late-delivery'?" in err
    with open(os.devnull) as devnull:
        monkeypatch.setattr(sys, "stdin", devnull)  # not a terminal
        code, _, err = run(capsys, "practice", "--json")
    assert code == 2 and "name a scenario" in err


def test_a_plain_session_from_a_pipe_reads_like_the_conversation() -> None:
    result = coach("practice", "late-delivery", stdin="\n".join(DISMISSIVE) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Practice: A birthday present, three days late" in out
    assert f"you › {DISMISSIVE[0]}" in out
    assert "coach › Heads-up: the customer sounds frustrated." in out
    assert "coach › Your reply didn't acknowledge how the customer feels." in out
    score = re.search(r"Score (\d+)/100", out)
    assert score is not None and int(score[1]) < 10 and "outcome: escalated" in out
    assert "What went well" not in out  # "That's our policy, sorry" is no strength
    assert "\x1b[" not in out  # no colour codes when not on a terminal


class Terminal:
    """``coach practice`` on a pseudo-terminal, as a person would run it."""

    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "NO_COLOR"))}
        env |= {"TERM": "xterm-256color", "COLUMNS": "120"} | LEXICON
        self.process = subprocess.Popen(
            [COACH, "practice", *args], stdin=slave, stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        self.output = ""

    def read_until(self, marker: str, within: float = 60.0) -> str:
        deadline = time.monotonic() + within
        while marker not in self.output:
            left = deadline - time.monotonic()
            assert left > 0, f"{marker!r} not shown; got {self.output[-500:]!r}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.output += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:  # the child closed the terminal
                    break
        return self.output

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self) -> int:
        code = self.process.wait(timeout=30)
        os.close(self.master)
        return code


def test_interactive_session_on_a_terminal_is_coloured_and_ends_with_a_scorecard() -> None:
    term = Terminal()  # no scenario named: pick one
    term.read_until("scenario (number or id) ›")
    term.type("late-delivery")
    term.read_until("you ›")
    assert "\x1b[" in term.output  # colour
    assert "Heads-up: the customer sounds frustrated." in term.output
    term.type(EMPATHETIC[0])
    term.read_until("Is it actually going to get here in time?")
    term.type("/stop")
    out = term.read_until("Scorecard: late-delivery")
    assert "unresolved" in term.read_until("What went well")
    assert term.close() == 0
    assert "You acknowledged how Sam felt" in out + term.output


def test_check_prints_each_scenarios_empathetic_and_dismissive_scores(tmp_path: Path) -> None:
    result = coach("practice", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert set(rows) == {s.id for s in SCENARIOS}
    for scenario_id, (_, kind, kind_outcome, rude, rude_outcome, gap, mark) in rows.items():
        assert (kind_outcome, rude_outcome, mark) == ("calmed", "escalated", "ok"), scenario_id
        assert int(kind) - int(rude) == int(gap) >= 30


def test_check_fails_a_team_scenario_that_is_no_fair_exercise(tmp_path: Path) -> None:
    weak = (
        'id = "weak"\ntitle = "Weak"\nsituation = "S"\n'
        '[steps.open]\nsays = "Where is my parcel?? I have waited a week!"\n'
        'example = "Ok."\ncalm = "end"\nescalate = "gone"\n'
        '[steps.end]\nsays = "Thanks."\noutcome = "calmed"\n'
        '[steps.gone]\nsays = "I want a manager!"\noutcome = "escalated"\n'
    )
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "weak.toml").write_text(weak)
    (tmp_path / "coach.toml").write_text('[practice]\nscenarios_dir = "scenarios"\n')
    listed = coach("practice", "--list", "--config", str(tmp_path / "coach.toml"))
    assert "weak" in [line.split()[0] for line in listed.stdout.splitlines()]
    checked = coach("check-config", "--config", str(tmp_path / "coach.toml"))
    assert "practice: on, 15 scenarios, results private" in checked.stdout
    (tmp_path / "scenarios" / "broken.toml").write_text('id = "broken"\n')
    checked = coach("check-config", "--config", str(tmp_path / "coach.toml"))
    assert "warning: broken.toml: title: required, must be text" in checked.stdout
    (tmp_path / "scenarios" / "broken.toml").unlink()
    result = coach("practice", "--check", "--config", str(tmp_path / "coach.toml"))
    assert result.returncode == 1
    [row] = [line for line in result.stdout.splitlines() if line.startswith("weak ")]
    assert row.endswith("NOT OK")
    assert "[steps.open] example does not calm the customer" in result.stdout


TRANSCRIPT = [
    {"conversation": "c-42", "role": "agent", "author": "a1", "text": "Hi, how can I help?", "ts": 100},
    {"conversation": "c-42", "role": "customer", "author": "c1", "ts": 160,
     "text": "My order never arrived and I've been waiting two weeks!! Email me at jo.doe@example.com"},
    {"conversation": "c-42", "role": "agent", "author": "a1", "ts": 220,
     "text": "I'm so sorry, that must be really frustrating. I'll call you on +44 7700 900123 today."},
    {"conversation": "c-42", "role": "customer", "author": "c1", "ts": 280,
     "text": "This is the third time I'm asking. Refund card 4111 1111 1111 1111 or I go to my bank!"},
    {"conversation": "c-42", "role": "agent", "author": "a1", "ts": 340, "text": "Please hold."},
    {"conversation": "c-42", "role": "customer", "author": "c1", "ts": 400, "text": "Forget it, I'm done."},
    {"conversation": "calm", "role": "customer", "author": "c2", "ts": 100, "text": "What are your opening hours?"},
]  # fmt: skip


def test_import_drafts_a_redacted_scenario_that_plays(tmp_path: Path) -> None:
    source = tmp_path / "angry-call.jsonl"
    source.write_text("\n".join(json.dumps(row) for row in TRANSCRIPT) + "\n")
    result = coach("practice", "--import", str(source))
    assert result.returncode == 0, result.stderr
    draft = result.stdout
    for secret in ("jo.doe@example.com", "7700 900123", "4111 1111 1111 1111"):
        assert secret not in draft
    assert "[email]" in draft and "[phone]" in draft and "[card]" in draft
    data = tomllib.loads(draft)
    scenario = from_dict(data, "draft")
    assert scenario.id == "imported-angry-call"
    steps = scenario.steps
    assert steps["turn1"].says.startswith("My order never arrived")  # the frustrated conversation
    assert steps["turn1"].escalate == "turn2"  # the customer's next message was angrier
    assert steps["turn1"].example.startswith("I'm so sorry")  # the acknowledging answer
    assert "TODO" in draft  # "Please hold." did not acknowledge: an example to improve
    assert steps["turn3"].outcome is not None and steps["turn3"].outcome.value == "escalated"
    out = tmp_path / "draft.toml"
    assert coach("practice", "--import", str(source), "--out", str(out)).returncode == 0
    assert tomllib.loads(out.read_text()) == data
    again = coach("practice", "--import", str(source), "--out", str(out))
    assert again.returncode == 2 and "not overwritten" in again.stderr
    played = coach("practice", "--json", "--config", str(_config_with(tmp_path, out)),
                   "imported-angry-call", stdin="Ok\n")  # fmt: skip
    assert json_lines(played.stdout)[-1]["scorecard"]["scenario"] == "imported-angry-call"


def _config_with(tmp_path: Path, scenario_file: Path) -> Path:
    folder = tmp_path / "team"
    folder.mkdir()
    shutil.copy(scenario_file, folder / scenario_file.name)
    config = tmp_path / "coach.toml"
    config.write_text(f'[practice]\nscenarios_dir = "{folder}"\n')
    return config


def test_import_of_a_file_that_is_no_transcript_says_so(tmp_path: Path) -> None:
    missing = coach("practice", "--import", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    source = tmp_path / "t.jsonl"
    source.write_text(json.dumps(TRANSCRIPT[0]) + "\n")
    agent_only = coach("practice", "--import", str(source))
    assert (
        agent_only.returncode == 1
        and "no conversation with a customer message" in agent_only.stderr
    )
    source.write_text("\n".join(json.dumps(r) for r in TRANSCRIPT) + "\n")
    wrong = coach("practice", "--import", str(source), "--conversation", "zzz")
    assert wrong.returncode == 2 and "no conversation 'zzz'" in wrong.stderr


# Clears the screen, retitles the window, colours red (7-bit and 8-bit CSI), rings, and
# reverses what follows (RLO, an isolate, a mark).
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x1b[31m\x9b1m\x07\u202e\u2066\u200f\x00\x7f\x85"


def _controls(text: str) -> list[str]:
    return sorted({c for c in text if is_control(c) or c == "\x1b"})


def test_import_leaves_escape_sequences_and_bidi_controls_out_of_the_draft(
    tmp_path: Path,
) -> None:
    rows = [{**row, "text": f"{row['text']}{HOSTILE} ok"} for row in TRANSCRIPT]
    rows = [{**row, "conversation": f"{row['conversation']}{HOSTILE}"} for row in rows]
    # a customer message of nothing but controls, answered: nothing to make a step of
    rows[3:3] = [{**rows[1], "text": HOSTILE, "ts": 225}, {**rows[0], "text": "Ok.", "ts": 226}]
    source = tmp_path / "hostile.jsonl"
    source.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    out = tmp_path / "draft.toml"
    result = coach("practice", "--import", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    draft = out.read_text()
    assert _controls(draft) == [] and _controls(result.stderr) == []
    assert "pwned" not in draft and "[31m" not in draft
    scenario = from_dict(tomllib.loads(draft), "draft")
    assert _controls(json.dumps(tomllib.loads(draft), ensure_ascii=False)) == []
    assert scenario.steps["turn1"].says.startswith("My order never arrived")
    assert scenario.steps["turn1"].says.endswith(" ok")
    assert "conversation c-42" in result.stderr


def test_the_practice_terminal_shows_a_scenarios_controls_as_visible_escapes() -> None:
    """A team's scenario may hold escapes TOML decodes ("\\u001b[2J"): shown, not obeyed."""
    shown = Console(record=True, force_terminal=True, width=200)
    view = PracticeView(shown)
    card = Scorecard(f"id{HOSTILE}", 10, Outcome.CALMED, (HOSTILE,), (HOSTILE,), (HOSTILE,), 1)
    tip = CoachTip(NudgeKind.FRUSTRATION, f"Heads-up{HOSTILE}", (HOSTILE,), HOSTILE)
    with shown.capture() as captured:
        view.show(
            [
                Briefing("id", f"Title{HOSTILE}", f"Situation{HOSTILE}", f"Sam{HOSTILE}"),
                CustomerSays(f"Sam{HOSTILE}", f"Where is it??{HOSTILE}"),
                tip,
                Note(HOSTILE),
                card,
            ]
        )
    text = captured.get()
    ours = re.sub(r"\x1b\[[0-9;]*m", "", text)  # the view's own colours
    assert _controls(ours) == []
    assert "\\x1b[2J" in ours and "\\u202e" in ours and "\\x9b" in ours
