"""How many rows of each large source one training run takes (training/contextual_data.py
``sample``), on rows written here: the recipe's sizes, or an experiment's (``--sample``)."""

from __future__ import annotations

from collections import Counter

from training import contextual_data as cd
from training.contextual_data import Example


def goemotions_pool() -> list[Example]:
    angry = [Example("goemotions", f"a{i}", "ugh", "", 1, 0) for i in range(30)]
    lost = [Example("goemotions", f"c{i}", "huh?", "", 0, 1) for i in range(10)]
    calm = [Example("goemotions", f"n{i}", "nice", "", 0, 0, calm=True) for i in range(60)]
    return angry + lost + calm


def kinds(rows: list[Example]) -> Counter[str]:
    return Counter("angry" if r.frustrated else "lost" if r.confused else "calm" for r in rows)


def test_an_experiment_sizes_each_part_of_goemotions_on_its_own() -> None:
    sizes = {**cd.SAMPLE, "goemotions_frustrated": 12, "goemotions_other": 20}
    sizes["goemotions_confused"] = 4
    taken = cd.sample({"goemotions": goemotions_pool()}, seed=14, sizes=sizes)["goemotions"]
    assert kinds(taken) == Counter(angry=12, lost=4, calm=16)
    assert len({r.id for r in taken}) == len(taken)  # no row twice


def test_the_recipe_sizes_apply_when_none_are_given() -> None:
    pool = {"mwoz": [Example("mwoz", str(i), "a table for two", "", 0, 0) for i in range(5000)]}
    assert len(cd.sample(pool, seed=14)["mwoz"]) == cd.SAMPLE["mwoz"]
    small = {**cd.SAMPLE, "mwoz": 7}
    assert len(cd.sample(pool, seed=14, sizes=small)["mwoz"]) == 7
