"""search_runs ordered by a metric reads three parts one after the other (runs with a number,
with NaN, without the metric); every page size and page token gives the same order as one page.
"""

from __future__ import annotations

from typing import Any

import pytest

from modelyard.services import experiments, run_logging, runs
from modelyard.store.uow import UnitOfWork

# name: test_f1 (None: never logged)
F1 = {"a": 0.5, "b": 0.9, "c": "NaN", "d": None, "e": 0.5, "f": "NaN", "g": None, "h": 0.1}


@pytest.fixture
def exp(uow: UnitOfWork) -> str:
    experiment_id = experiments.create_experiment(uow, name="order")
    for name, f1 in F1.items():
        run = runs.create_run(uow, experiment_id=experiment_id, run_name=name, start_time=1)
        metrics: list[Any] = [] if f1 is None else [("test_f1", f1, 1, 0, None, None, None)]
        run_logging.log_batch(uow, run_id=run.info.run_id, metrics=metrics)
    return experiment_id


def _names(uow: UnitOfWork, exp: str, order_by: list[str], max_results: int) -> list[str]:
    names: list[str] = []
    token = None
    for _ in range(len(F1) + 1):
        page = runs.search_runs(
            uow, experiment_ids=[exp], order_by=order_by, max_results=max_results, page_token=token
        )
        names += [r.info.run_name or "" for r in page.items]
        token = page.next_page_token
        if token is None:
            return names
    raise AssertionError("paging did not end")


def _by_id(uow: UnitOfWork, exp: str, names: str) -> list[str]:
    """Runs of equal rank come in run id order."""
    found = runs.search_runs(uow, experiment_ids=[exp], max_results=100).items
    ids = {r.info.run_name: r.info.run_id for r in found}
    return sorted(names, key=lambda n: ids[n])


@pytest.mark.parametrize("max_results", [1, 2, 3, 100])
def test_metric_order_pages_through_numbers_then_nan_then_missing(
    uow: UnitOfWork, exp: str, max_results: int
) -> None:
    tied, nan, missing = _by_id(uow, exp, "ae"), _by_id(uow, exp, "cf"), _by_id(uow, exp, "dg")
    desc = _names(uow, exp, ["metrics.test_f1 DESC"], max_results)
    assert desc == ["b", *tied, "h", *nan, *missing]
    asc = _names(uow, exp, ["metrics.test_f1"], max_results)
    assert asc == ["h", *tied, "b", *nan, *missing]


def test_later_order_terms_break_ties_within_each_part(uow: UnitOfWork, exp: str) -> None:
    order = ["metrics.test_f1 DESC", "attributes.run_name DESC"]
    assert _names(uow, exp, order, 3) == ["b", "e", "a", "h", "f", "c", "g", "d"]


def test_a_filter_applies_to_every_part(uow: UnitOfWork, exp: str) -> None:
    page = runs.search_runs(
        uow,
        experiment_ids=[exp],
        filter_string="attributes.run_name IN ('c', 'd', 'h')",
        order_by=["metrics.test_f1 DESC"],
    )
    assert [r.info.run_name for r in page.items] == ["h", "c", "d"]
