"""What runs read and write besides params and metrics: dataset inputs (with input tags),
logged-model inputs and logged-model outputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from modelyard.domain.tracking import (
    DATASET_CONTEXT_TAG,
    Dataset,
    DatasetInput,
    DatasetSummary,
    ModelOutput,
    Run,
)
from modelyard.store.tracking_tables import (
    datasets,
    run_input_tags,
    run_inputs,
    run_model_inputs,
    run_outputs,
)


def _dataset_id(conn: sa.Connection, experiment_id: int, dataset: Dataset) -> int:
    """The experiment's dataset with this name and digest, inserted the first time it is seen."""
    d = datasets.c
    found = conn.execute(
        sa.select(d.id).where(
            d.experiment_id == experiment_id, d.name == dataset.name, d.digest == dataset.digest
        )
    ).scalar()
    if found is not None:
        return int(found)
    return int(
        conn.execute(
            sa.insert(datasets)
            .values(
                experiment_id=experiment_id,
                name=dataset.name,
                digest=dataset.digest,
                source_type=dataset.source_type,
                source=dataset.source,
                schema=dataset.schema,
                profile=dataset.profile,
            )
            .returning(d.id)
        ).scalar_one()
    )


def log_dataset_inputs(
    conn: sa.Connection, run_id: str, experiment_id: int, inputs: Sequence[DatasetInput]
) -> None:
    """Link datasets to the run; logging the same dataset again replaces its input tags."""
    for item in inputs:
        dataset_id = _dataset_id(conn, experiment_id, item.dataset)
        ri = run_inputs.c
        input_id = conn.execute(
            sa.select(ri.id).where(ri.run_id == run_id, ri.dataset_id == dataset_id)
        ).scalar()
        if input_id is None:
            input_id = conn.execute(
                sa.insert(run_inputs).values(run_id=run_id, dataset_id=dataset_id).returning(ri.id)
            ).scalar_one()
        else:
            conn.execute(sa.delete(run_input_tags).where(run_input_tags.c.input_id == input_id))
        if item.tags:
            conn.execute(
                sa.insert(run_input_tags),
                [{"input_id": input_id, "key": k, "value": v} for k, v in item.tags.items()],
            )


def log_model_inputs(conn: sa.Connection, run_id: str, model_ids: Sequence[str]) -> None:
    t = run_model_inputs.c
    known = set(
        conn.execute(sa.select(t.model_id).where(t.run_id == run_id, t.model_id.in_(model_ids)))
        .scalars()
        .all()
    )
    fresh = [{"run_id": run_id, "model_id": m} for m in dict.fromkeys(model_ids) if m not in known]
    if fresh:
        conn.execute(sa.insert(run_model_inputs), fresh)


def log_outputs(conn: sa.Connection, run_id: str, outputs: Sequence[ModelOutput]) -> None:
    t = run_outputs.c
    by_model = {o.model_id: o.step for o in outputs}
    if not by_model:
        return
    conn.execute(sa.delete(run_outputs).where(t.run_id == run_id, t.model_id.in_(list(by_model))))
    conn.execute(
        sa.insert(run_outputs),
        [{"run_id": run_id, "model_id": m, "step": s} for m, s in by_model.items()],
    )


def load_inputs_outputs(conn: sa.Connection, loaded: Mapping[str, Run]) -> None:
    ids = list(loaded)
    ri = run_inputs.c
    tags: dict[int, dict[str, str]] = {}
    for t in conn.execute(
        sa.select(run_input_tags)
        .join(run_inputs, ri.id == run_input_tags.c.input_id)
        .where(ri.run_id.in_(ids))
        .order_by(run_input_tags.c.key)
    ):
        tags.setdefault(t.input_id, {})[t.key] = t.value
    rows: Any = conn.execute(
        sa.select(ri.id.label("input_id"), ri.run_id, datasets)
        .join(datasets, datasets.c.id == ri.dataset_id)
        .where(ri.run_id.in_(ids))
        .order_by(ri.id)
    )
    for row in rows:
        dataset = Dataset(
            row.name, row.digest, row.source_type, row.source, row.schema, row.profile
        )
        loaded[row.run_id].dataset_inputs.append(DatasetInput(dataset, tags.get(row.input_id, {})))
    for m in conn.execute(
        sa.select(run_model_inputs)
        .where(run_model_inputs.c.run_id.in_(ids))
        .order_by(run_model_inputs.c.model_id)
    ):
        loaded[m.run_id].model_inputs.append(m.model_id)
    for o in conn.execute(
        sa.select(run_outputs).where(run_outputs.c.run_id.in_(ids)).order_by(run_outputs.c.model_id)
    ):
        loaded[o.run_id].model_outputs.append(ModelOutput(o.model_id, o.step))


def dataset_summaries(
    conn: sa.Connection, experiment_ids: Sequence[int], *, limit: int
) -> list[DatasetSummary]:
    """Each distinct (experiment, dataset name, digest, context) that some run logged as an
    input; an input without a context tag counts with context None."""
    d, ri, tags = datasets.c, run_inputs.c, run_input_tags.c
    rows = conn.execute(
        sa.select(d.experiment_id, d.name, d.digest, tags.value)
        .distinct()
        .select_from(datasets)
        .join(run_inputs, ri.dataset_id == d.id)
        .outerjoin(run_input_tags, sa.and_(tags.input_id == ri.id, tags.key == DATASET_CONTEXT_TAG))
        .where(d.experiment_id.in_(experiment_ids))
        .order_by(d.experiment_id, d.name, d.digest, tags.value)
        .limit(limit)
    )
    return [DatasetSummary(str(r.experiment_id), r.name, r.digest, r.value) for r in rows]
