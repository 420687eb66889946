"""Tracking services on real SQLite and PostgreSQL: experiments, runs and what they log, search
in SQL, logged models. Refused requests write nothing."""

from __future__ import annotations

import math
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.domain.tracking import Run
from modelyard.errors import AlreadyExists, InvalidParameter, NotFound
from modelyard.services import experiments, logged_models, run_logging, runs
from modelyard.store import logged_models as logged_model_store
from modelyard.store import metric_writes, tracking_tables
from modelyard.store import runs as store_runs
from modelyard.store.tables import metadata
from modelyard.store.uow import UnitOfWork


def _counts(uow: UnitOfWork) -> dict[str, int]:
    with uow.read() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
        }


def _metric(key: str, value: Any, step: int = 0, timestamp: int = 1) -> Any:
    return (key, value, timestamp, step, None, None, None)


def _run(uow: UnitOfWork, experiment_id: str, **kwargs: Any) -> Run:
    return runs.create_run(uow, experiment_id=experiment_id, **kwargs)


@pytest.fixture
def exp(uow: UnitOfWork) -> str:
    return experiments.create_experiment(uow, name="exp", tags=[("team", "ml")])


def test_experiment_lifecycle(uow: UnitOfWork, exp: str) -> None:
    default = experiments.get_experiment(uow, experiment_id="0")
    assert (default.name, default.artifact_location) == ("Default", "mlflow-artifacts:/0")
    got = experiments.get_experiment_by_name(uow, name="exp")
    assert got.experiment_id == exp
    assert got.artifact_location == f"mlflow-artifacts:/{exp}"
    assert got.tags == {"team": "ml"}
    run = _run(uow, exp)

    experiments.rename_experiment(uow, experiment_id=exp, new_name="renamed")
    experiments.delete_experiment(uow, experiment_id=exp)
    assert runs.get_run(uow, run_id=run.info.run_id).info.lifecycle_stage == "deleted"
    with pytest.raises(InvalidParameter, match="must be in the 'active' state"):
        _run(uow, exp)
    with pytest.raises(AlreadyExists, match=r"already exists in deleted state"):
        experiments.create_experiment(uow, name="renamed")
    experiments.restore_experiment(uow, experiment_id=exp)
    assert runs.get_run(uow, run_id=run.info.run_id).info.lifecycle_stage == "active"

    with pytest.raises(InvalidParameter, match="Cannot delete the default experiment"):
        experiments.delete_experiment(uow, experiment_id="0")
    with pytest.raises(NotFound, match="No Experiment with id=999 exists"):
        experiments.get_experiment(uow, experiment_id="999")
    with pytest.raises(NotFound, match="Could not find experiment with name 'nope'"):
        experiments.get_experiment_by_name(uow, name="nope")
    with pytest.raises(InvalidParameter, match="Invalid experiment ID"):
        experiments.get_experiment(uow, experiment_id="1; DROP TABLE runs")


def test_experiment_search(uow: UnitOfWork, exp: str) -> None:
    other = experiments.create_experiment(uow, name="other")
    experiments.delete_experiment(uow, experiment_id=other)
    active = experiments.search_experiments(uow, order_by=["name ASC"])
    assert [e.name for e in active.items] == ["Default", "exp"]
    deleted = experiments.search_experiments(uow, view_type="DELETED_ONLY")
    assert [e.name for e in deleted.items] == ["other"]
    tagged = experiments.search_experiments(uow, filter_string="tags.team = 'ml'")
    assert [e.experiment_id for e in tagged.items] == [exp]
    first = experiments.search_experiments(uow, view_type="ALL", max_results=2)
    assert first.next_page_token is not None
    rest = experiments.search_experiments(
        uow, view_type="ALL", max_results=2, page_token=first.next_page_token
    )
    assert len(first.items) + len(rest.items) == 3
    assert rest.next_page_token is None


def test_run_create_get_update(uow: UnitOfWork, exp: str) -> None:
    run = _run(uow, exp, user_id="alice", start_time=5, tags=[("k", "v")])
    assert run.info.status == "RUNNING"
    assert run.info.start_time == 5
    assert run.info.artifact_uri == f"mlflow-artifacts:/{exp}/{run.info.run_id}/artifacts"
    assert run.tags["mlflow.runName"] == run.info.run_name
    assert len(run.info.run_id) == 32
    info = runs.update_run(uow, run_id=run.info.run_id, status="FINISHED", end_time=9, run_name="n")
    assert (info.status, info.end_time, info.run_name) == ("FINISHED", 9, "n")
    assert runs.get_run(uow, run_id=run.info.run_id).tags["mlflow.runName"] == "n"
    run_logging.set_tag(uow, run_id=run.info.run_id, key="mlflow.runName", value="m")
    assert runs.get_run(uow, run_id=run.info.run_id).info.run_name == "m"
    with pytest.raises(InvalidParameter, match="different values"):
        _run(uow, exp, run_name="a", tags=[("mlflow.runName", "b")])
    with pytest.raises(NotFound, match="Run with id=abc not found"):
        runs.get_run(uow, run_id="abc")


def test_params_are_write_once(uow: UnitOfWork, exp: str) -> None:
    run_id = _run(uow, exp).info.run_id
    run_logging.log_param(uow, run_id=run_id, key="p", value="1")
    run_logging.log_param(uow, run_id=run_id, key="p", value="1")
    run_logging.log_param(uow, run_id=run_id, key="eval:split/1", value="")  # MLflow's POSIX keys
    before = _counts(uow)
    with pytest.raises(InvalidParameter, match="Changing param values is not allowed"):
        run_logging.log_batch(
            uow, run_id=run_id, metrics=[_metric("m", 1.0)], params=[("q", "x"), ("p", "2")]
        )
    with pytest.raises(InvalidParameter, match="Duplicate parameter keys"):
        run_logging.log_batch(uow, run_id=run_id, params=[("z", "1"), ("z", "2")])
    with pytest.raises(InvalidParameter, match="the limit is 6000"):
        run_logging.log_param(uow, run_id=run_id, key="long", value="v" * 6001)
    assert _counts(uow) == before


def test_batch_limits_refuse_the_whole_batch(uow: UnitOfWork, exp: str) -> None:
    run_id = _run(uow, exp).info.run_id
    before = _counts(uow)
    too_many = [_metric("m", float(i), i) for i in range(1001)]
    with pytest.raises(InvalidParameter, match="at most 1000 metrics"):
        run_logging.log_batch(uow, run_id=run_id, metrics=too_many)
    with pytest.raises(InvalidParameter, match="at most 100 params"):
        run_logging.log_batch(uow, run_id=run_id, params=[(f"p{i}", "v") for i in range(101)])
    with pytest.raises(InvalidParameter, match="at most 1000 metrics, params and tags"):
        run_logging.log_batch(
            uow,
            run_id=run_id,
            metrics=too_many[:1000],
            tags=[(f"t{i}", "v") for i in range(1)],
        )
    with pytest.raises(InvalidParameter, match="the limit is 8000"):
        run_logging.set_tag(uow, run_id=run_id, key="t", value="v" * 8001)
    with pytest.raises(InvalidParameter, match="Invalid value 'nan'"):
        run_logging.log_metric(uow, run_id=run_id, metric=_metric("m", "nan"))
    assert _counts(uow) == before


def test_metrics_history_latest_nan_and_infinity(uow: UnitOfWork, exp: str) -> None:
    run_id = _run(uow, exp).info.run_id
    run_logging.log_batch(
        uow,
        run_id=run_id,
        metrics=[
            _metric("loss", 0.5, step=2, timestamp=10),
            _metric("loss", 0.9, step=0, timestamp=20),
            _metric("odd", "NaN"),
            _metric("big", "Infinity"),
            _metric("small", "-Infinity"),
        ],
    )
    # An older step logged later does not replace the latest value.
    run_logging.log_metric(uow, run_id=run_id, metric=_metric("loss", 0.7, step=1, timestamp=30))
    latest = {m.key: m.value for m in runs.get_run(uow, run_id=run_id).metrics}
    assert latest["loss"] == 0.5
    assert math.isnan(latest["odd"])
    assert (latest["big"], latest["small"]) == (math.inf, -math.inf)
    history = runs.get_metric_history(uow, run_id=run_id, metric_key="loss")
    assert [(m.step, m.value) for m in history.items] == [(0, 0.9), (1, 0.7), (2, 0.5)]
    page = runs.get_metric_history(uow, run_id=run_id, metric_key="loss", max_results=2)
    assert len(page.items) == 2
    assert page.next_page_token is not None
    bulk = runs.get_metric_history_bulk_interval(
        uow, run_ids=[run_id], metric_key="loss", start_step=1, end_step=2
    )
    assert [m.step for m in bulk] == [1, 2]


def test_history_across_segments(uow: UnitOfWork, exp: str) -> None:
    """A run's history rows go to segments of 4,096 rows (store/tracking_tables.py); a key's
    history reads every segment, in step order, and only the run's own rows."""
    run_id, other = _run(uow, exp).info.run_id, _run(uow, exp).info.run_id
    keys = [f"k{i:03d}" for i in range(1000)]
    for batch in range(6):  # rows 0-4,999 in segment 0, 5,000-5,999 in segment 1
        # Later batches log earlier steps: the read orders across segments.
        metrics = [_metric(key, batch, step=5 - batch) for key in keys]
        run_logging.log_batch(uow, run_id=run_id, metrics=metrics)
    run_logging.log_metric(uow, run_id=other, metric=_metric("k500", 99.0))
    with uow.read() as conn:
        segments = conn.execute(
            sa.select(tracking_tables.metrics.c.segment)
            .where(tracking_tables.metrics.c.run_id == run_id)
            .distinct()
        ).scalars()
        assert sorted(segments) == [0, 1]

    history = runs.get_metric_history(uow, run_id=run_id, metric_key="k500")
    assert [(m.step, m.value) for m in history.items] == [(s, 5.0 - s) for s in range(6)]
    page = runs.get_metric_history(uow, run_id=run_id, metric_key="k500", max_results=4)
    assert [m.step for m in page.items] == [0, 1, 2, 3]
    rest = runs.get_metric_history(
        uow, run_id=run_id, metric_key="k500", page_token=page.next_page_token
    )
    assert [m.step for m in rest.items] == [4, 5]
    bulk = runs.get_metric_history_bulk_interval(
        uow, run_ids=[run_id, other], metric_key="k500", start_step=0, end_step=1
    )
    assert sorted((m.run_id == other, m.step, m.value) for m in bulk) == [
        (False, 0, 5.0),
        (False, 1, 4.0),
        (True, 0, 99.0),
    ]


def test_history_reads_seek_each_segment(uow: UnitOfWork, exp: str) -> None:
    """On SQLite, a key's history is an index search on (run, segment, key), not a scan of
    the run's rows; a model's metrics use the partial model_id index."""
    if uow.dialect != "sqlite":
        pytest.skip("reads SQLite's query plans")
    run_id = _run(uow, exp).info.run_id
    run_logging.log_metric(uow, run_id=run_id, metric=_metric("loss", 1.0))
    model = logged_models.create_logged_model(uow, experiment_id=exp, source_run_id=run_id)
    plans: list[str] = []
    with uow.read() as conn:

        @sa.event.listens_for(conn, "before_cursor_execute")
        def _explain(_c: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if "FROM metrics" in statement:
                rows = cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
                plans.extend(str(row[-1]) for row in rows)

        store_runs.metric_history(conn, run_id, "loss", offset=0, limit=10)
        row = logged_model_store.find_logged_model(conn, model.model_id)
        assert row is not None
        logged_model_store.load_logged_models(conn, [row])
    assert any(
        "USING INDEX ix_metrics_run_id_segment_key_step (run_id=? AND segment=? AND key=?)" in p
        for p in plans
    ), plans
    assert any("USING INDEX ix_metrics_model_id (model_id=?)" in p for p in plans), plans
    assert not any(p.startswith("SCAN metrics") for p in plans), plans


@pytest.mark.parametrize("upsert", [True, False], ids=["upsert", "read-then-update"])
def test_latest_value_rule_across_batches(
    uow: UnitOfWork, exp: str, upsert: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch moves a key's latest value only when it is newer: a higher step, then a
    later timestamp, then a larger value, NaN below every number. SQLite and PostgreSQL decide
    in the upsert's WHERE clause; other databases take the read-then-update path (and count
    the run's history rows without UPDATE ... RETURNING)."""
    if not upsert:
        monkeypatch.setitem(metric_writes._UPSERTS, uow.dialect, None)
        monkeypatch.setattr(metric_writes, "COUNT_BY_RETURNING", set())
    run_id = _run(uow, exp).info.run_id

    def log(key: str, value: float | str, step: int, timestamp: int) -> float:
        metric = _metric(key, value, step=step, timestamp=timestamp)
        run_logging.log_metric(uow, run_id=run_id, metric=metric)
        return {m.key: m.value for m in runs.get_run(uow, run_id=run_id).metrics}[key]

    assert log("a", 1.0, 5, 100) == 1.0
    assert log("a", 9.0, 4, 999) == 1.0  # lower step: older, whatever its time
    assert log("a", 0.5, 5, 101) == 0.5  # same step, later time
    assert log("a", 0.1, 5, 100) == 0.5  # same step, earlier time
    assert log("a", 0.7, 5, 101) == 0.7  # same step and time: the larger value
    assert log("a", 0.6, 5, 101) == 0.7
    assert math.isnan(log("b", "NaN", 1, 1))
    assert log("b", "-Infinity", 1, 1) == -math.inf  # any number beats NaN
    assert log("b", "NaN", 1, 1) == -math.inf
    assert log("b", 2.0, 6, 0) == 2.0
    with uow.read() as conn:
        counted = conn.execute(
            sa.select(tracking_tables.runs.c.metric_rows).where(
                tracking_tables.runs.c.run_id == run_id
            )
        ).scalar_one()
    assert counted == 10


def _search(uow: UnitOfWork, exp: str, **kwargs: Any) -> list[str]:
    page = runs.search_runs(uow, experiment_ids=[exp], **kwargs)
    return [r.info.run_name for r in page.items]


def test_search_runs_filters_and_orders_in_sql(uow: UnitOfWork, exp: str) -> None:
    for name, f1, depth in [("a", 0.6, "3"), ("b", 0.9, "1"), ("c", "NaN", "2"), ("d", None, None)]:
        run_id = _run(uow, exp, run_name=name, start_time=ord(name)).info.run_id
        metrics = [] if f1 is None else [_metric("f1", f1)]
        params = [] if depth is None else [("depth", depth)]
        run_logging.log_batch(uow, run_id=run_id, metrics=metrics, params=params)
        run_logging.set_tag(
            uow, run_id=run_id, key="group", value="odd" if name in "ac" else "even"
        )

    assert _search(uow, exp) == ["d", "c", "b", "a"]  # newest start first
    assert _search(uow, exp, order_by=["metrics.f1 DESC"]) == ["b", "a", "c", "d"]
    assert _search(uow, exp, order_by=["metrics.f1 ASC"]) == ["a", "b", "c", "d"]
    assert _search(uow, exp, order_by=["metrics.f1 DESC"], max_results=1) == ["b"]
    assert _search(uow, exp, order_by=["params.depth"]) == ["b", "c", "a", "d"]
    assert _search(uow, exp, order_by=["tags.group DESC", "run_name"]) == ["a", "c", "b", "d"]
    assert _search(uow, exp, filter_string="metrics.f1 > 0.5") == ["b", "a"]
    assert _search(uow, exp, filter_string="metrics.f1 != 0.6") == ["b"]
    assert _search(uow, exp, filter_string="params.depth IN ('1', '2')") == ["c", "b"]
    assert _search(uow, exp, filter_string="tags.group LIKE 'o%' and start_time > 97") == ["c"]
    assert _search(uow, exp, filter_string="attributes.run_name ILIKE 'A'") == ["a"]
    assert _search(uow, exp, filter_string="status = 'RUNNING'", order_by=["run_name"]) == [
        "a",
        "b",
        "c",
        "d",
    ]

    first = runs.search_runs(uow, experiment_ids=[exp], max_results=3)
    rest = runs.search_runs(
        uow, experiment_ids=[exp], max_results=3, page_token=first.next_page_token
    )
    assert [r.info.run_name for r in first.items + rest.items] == ["d", "c", "b", "a"]
    assert rest.next_page_token is None
    with pytest.raises(InvalidParameter, match="at most 50000"):
        runs.search_runs(uow, experiment_ids=[exp], max_results=50_001)


def test_deleted_runs_and_dataset_inputs(uow: UnitOfWork, exp: str) -> None:
    kept = _run(uow, exp, run_name="kept").info.run_id
    gone = _run(uow, exp, run_name="gone").info.run_id
    dataset = ("train", "abc123", "local", '{"uri": "x"}', '{"cols": []}', None)
    context = [("mlflow.data.context", "training")]
    for _ in range(2):  # logging the same dataset twice links it once
        run_logging.log_inputs(uow, run_id=kept, datasets=[(*dataset, context)])
    runs.delete_run(uow, run_id=gone)
    with pytest.raises(InvalidParameter, match="must be in the 'active' state"):
        run_logging.log_param(uow, run_id=gone, key="p", value="v")
    assert _search(uow, exp) == ["kept"]
    assert _search(uow, exp, run_view_type="DELETED_ONLY") == ["gone"]
    assert _search(uow, exp, filter_string="datasets.name = 'train'") == ["kept"]
    assert _search(uow, exp, filter_string="datasets.context = 'training'") == ["kept"]
    [dataset_input] = runs.get_run(uow, run_id=kept).dataset_inputs
    assert dataset_input.dataset.digest == "abc123"
    assert dataset_input.tags == {"mlflow.data.context": "training"}
    runs.restore_run(uow, run_id=gone)
    assert sorted(_search(uow, exp)) == ["gone", "kept"]


def test_logged_models(uow: UnitOfWork, exp: str) -> None:
    run_id = _run(uow, exp).info.run_id
    made = [
        logged_models.create_logged_model(
            uow,
            experiment_id=exp,
            name=name,
            source_run_id=run_id,
            params=[("depth", str(i))],
            tags=[("team", "ml")],
        )
        for i, name in enumerate(["m1", "m2"])
    ]
    assert made[0].model_id.startswith("m-")
    assert made[0].status == "PENDING"
    assert (
        made[0].artifact_location == f"mlflow-artifacts:/{exp}/models/{made[0].model_id}/artifacts"
    )
    for model, acc in zip(made, [0.7, 0.8], strict=True):
        metric = ("acc", acc, 1, 0, model.model_id, None, None)
        run_logging.log_metric(uow, run_id=run_id, metric=metric)
    ready = logged_models.finalize_logged_model(
        uow, model_id=made[0].model_id, status="LOGGED_MODEL_READY"
    )
    assert ready.status == "READY"
    assert [(m.key, m.value) for m in ready.metrics] == [("acc", 0.7)]

    def names(**kwargs: Any) -> list[str]:
        page = logged_models.search_logged_models(uow, experiment_ids=[exp], **kwargs)
        return [m.name for m in page.items]

    assert names(order_by=[("metrics.acc", False)]) == ["m2", "m1"]
    assert names(filter_string="metrics.acc > 0.75") == ["m2"]
    assert names(filter_string="params.depth = '0' and status = 'READY'") == ["m1"]
    logged_models.delete_logged_model(uow, model_id=made[1].model_id)
    assert names() == ["m1"]
    with pytest.raises(NotFound, match="not found"):
        logged_models.get_logged_model(uow, model_id=made[1].model_id)
    assert (
        logged_models.get_logged_model(
            uow, model_id=made[1].model_id, allow_deleted=True
        ).lifecycle_stage
        == "deleted"
    )
    with pytest.raises(InvalidParameter, match="not PENDING"):
        logged_models.finalize_logged_model(uow, model_id=made[0].model_id, status="PENDING")
