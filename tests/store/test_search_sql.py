"""Parsed search filters and orderings, run as SQL against a real database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from modelyard.domain.filters import (
    parse_model_version_filter,
    parse_model_version_order_by,
    parse_registered_model_filter,
    parse_registered_model_order_by,
)
from modelyard.store.search import (
    model_version_order,
    model_version_where,
    registered_model_order,
    registered_model_where,
)
from modelyard.store.tables import (
    metadata,
    model_version_tags,
    model_versions,
    registered_model_tags,
    registered_models,
)
from modelyard.store.versions import search_statement

# (name, creation_time, last_updated_time, tags). Names differ in case and in LIKE wildcards.
MODELS: list[tuple[str, int, int, dict[str, str]]] = [
    ("alpha", 100, 500, {"stage": "prod", "my key": "x y", "team": "ml"}),
    ("ALPHA-2", 200, 300, {"stage": "Production"}),
    ("beta", 300, 400, {}),
    ("al_pha", 400, 100, {"stage": "staging"}),
    ("alxpha", 500, 200, {}),
    ("delta%", 600, 600, {"team": "ML"}),
    ("o'brien", 700, 50, {}),
    ("greeting", 800, 40, {"mlflow.prompt.is_prompt": "true"}),  # MLflow keeps prompts here
]
# (model, version, creation_time, last_updated_time, run_id, source, tags)
VERSIONS: list[tuple[str, int, int, int, str | None, str | None, dict[str, str]]] = [
    ("alpha", 1, 10, 50, "r1", "s3://bucket/alpha/1", {"env": "prod"}),
    ("alpha", 2, 20, 60, "r2", "s3://bucket/alpha/2", {"env": "dev"}),
    ("alpha", 3, 30, 60, None, "S3://BUCKET/alpha/3", {}),
    ("beta", 1, 40, 70, "r1", "/local/beta/1", {"env": "Prod"}),
    ("beta", 2, 50, 60, "r3", None, {"env": "prod", "a.b": "c"}),
]
ALL_MODELS = {name for name, *_ in MODELS}
ALL_VERSIONS = {f"{v[0]}/{v[1]}" for v in VERSIONS}


# Module scope: every test here only reads, so one seeded database serves them all.
@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """The one place the database comes from, so other dialects can be swapped in here."""
    path = tmp_path_factory.mktemp("search") / "search.db"
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _case_sensitive_like(dbapi_conn: Any, _record: Any) -> None:
        # As the production engine does: SQLite's LIKE ignores case unless told otherwise.
        dbapi_conn.execute("PRAGMA case_sensitive_like=ON")

    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def db(engine: sa.Engine) -> sa.Engine:
    with engine.begin() as conn:
        model_ids: dict[str, int] = {}
        for name, created, updated, tags in MODELS:
            model_ids[name] = conn.execute(
                sa.insert(registered_models)
                .values(name=name, creation_time=created, last_updated_time=updated)
                .returning(registered_models.c.id)
            ).scalar_one()
            for key, value in tags.items():
                conn.execute(
                    sa.insert(registered_model_tags).values(
                        model_id=model_ids[name], key=key, value=value
                    )
                )
        for model, version, created, updated, run_id, source, tags in VERSIONS:
            version_id = conn.execute(
                sa.insert(model_versions)
                .values(
                    model_id=model_ids[model],
                    version=version,
                    creation_time=created,
                    last_updated_time=updated,
                    run_id=run_id,
                    source=source,
                    current_stage="None",
                    status="READY",
                )
                .returning(model_versions.c.id)
            ).scalar_one()
            for key, value in tags.items():
                conn.execute(
                    sa.insert(model_version_tags).values(
                        version_id=version_id, key=key, value=value
                    )
                )
    return engine


def model_names(db: sa.Engine, text: str | None, order_by: Sequence[str] = ()) -> list[str]:
    stmt = (
        sa.select(registered_models.c.name)
        .where(*registered_model_where(parse_registered_model_filter(text)))
        .order_by(*registered_model_order(parse_registered_model_order_by(order_by)))
    )
    with db.connect() as conn:
        return list(conn.scalars(stmt))


def version_names(db: sa.Engine, text: str | None, order_by: Sequence[str] = ()) -> list[str]:
    stmt = (
        sa.select(registered_models.c.name, model_versions.c.version)
        .select_from(
            model_versions.join(
                registered_models, model_versions.c.model_id == registered_models.c.id
            )
        )
        .where(*model_version_where(parse_model_version_filter(text)))
        .order_by(*model_version_order(parse_model_version_order_by(order_by)))
    )
    with db.connect() as conn:
        return [f"{name}/{version}" for name, version in conn.execute(stmt)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ALL_MODELS),
        ("   ", ALL_MODELS),
        ("name = 'alpha'", {"alpha"}),
        ("name = 'ALPHA'", set()),
        ("name != 'alpha'", ALL_MODELS - {"alpha"}),
        ("name LIKE 'alpha%'", {"alpha"}),
        ("name LIKE 'ALPHA%'", {"ALPHA-2"}),
        ("name ILIKE 'alpha%'", {"alpha", "ALPHA-2"}),
        ("name ILIKE 'ALPHA'", {"alpha"}),
        ("name LIKE 'al_pha'", {"al_pha", "alxpha"}),
        ("name LIKE 'al\\_pha'", {"al_pha"}),
        ("name LIKE '%\\%'", {"delta%"}),
        ("name IN ('alpha', 'beta', 'nope')", {"alpha", "beta"}),
        ("name NOT IN ('alpha', 'beta')", ALL_MODELS - {"alpha", "beta"}),
        ("name = 'o''brien'", {"o'brien"}),
        ('name = "o\'brien"', {"o'brien"}),
        ("name = 'x'' OR ''1''=''1'", set()),
        ("tags.stage = 'prod'", {"alpha"}),
        ("tag.stage != 'prod'", {"ALPHA-2", "al_pha"}),
        ("tags.stage LIKE 'Prod%'", {"ALPHA-2"}),
        ("tags.stage ILIKE 'prod%'", {"alpha", "ALPHA-2"}),
        ("tags.`my key` = 'x y'", {"alpha"}),
        ("tags.team = 'ml' AND tags.stage = 'prod'", {"alpha"}),
        ("tags.team ILIKE 'ml' AND name != 'alpha'", {"delta%"}),
        ("name ILIKE 'al%' AND tags.stage != 'staging'", {"alpha", "ALPHA-2"}),
        ("tags.missing = 'x'", set()),
        ("tags.`mlflow.prompt.is_prompt` = 'true'", {"greeting"}),
        ("tags.`mlflow.prompt.is_prompt` != 'true'", ALL_MODELS - {"greeting"}),
        ("name LIKE 'gr%' AND tags.`mlflow.prompt.is_prompt` = 'false'", set()),
        ("tags.env = 'prod'", set()),  # a version tag, not a model tag
    ],
)
def test_model_filters(db: sa.Engine, text: str | None, expected: set[str]) -> None:
    names = model_names(db, text)
    assert set(names) == expected
    assert len(names) == len(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ALL_VERSIONS),
        ("name = 'alpha'", {"alpha/1", "alpha/2", "alpha/3"}),
        ("name ILIKE 'ALPHA'", {"alpha/1", "alpha/2", "alpha/3"}),
        ("name LIKE 'ALPHA'", set()),
        ("name IN ('beta')", {"beta/1", "beta/2"}),
        ("run_id = 'r1'", {"alpha/1", "beta/1"}),
        # As in MLflow, a version without a run matches neither = nor !=.
        ("run_id != 'r1'", {"alpha/2", "beta/2"}),
        ("run_id IN ('r2', 'r3')", {"alpha/2", "beta/2"}),
        ("run_id NOT IN ('r1')", {"alpha/2", "beta/2"}),
        ("source_path = 's3://bucket/alpha/1'", {"alpha/1"}),
        ("source_path LIKE 's3://%'", {"alpha/1", "alpha/2"}),
        ("source_path ILIKE 's3://%'", {"alpha/1", "alpha/2", "alpha/3"}),
        ("source_path != '/local/beta/1'", {"alpha/1", "alpha/2", "alpha/3"}),
        ("version_number = 2", {"alpha/2", "beta/2"}),
        ("version_number = '2'", {"alpha/2", "beta/2"}),
        ("version_number != 1", {"alpha/2", "alpha/3", "beta/2"}),
        ("version_number > 1", {"alpha/2", "alpha/3", "beta/2"}),
        ("version_number >= 3", {"alpha/3"}),
        ("version_number < 2", {"alpha/1", "beta/1"}),
        ("version_number <= 2", ALL_VERSIONS - {"alpha/3"}),
        ("version_number > 9223372036854775807", set()),
        ("tags.env = 'prod'", {"alpha/1", "beta/2"}),
        ("tags.env ILIKE 'prod'", {"alpha/1", "beta/1", "beta/2"}),
        ("tags.env != 'prod'", {"alpha/2", "beta/1"}),
        ("tags.`a.b` = 'c'", {"beta/2"}),
        ("tags.a.b = 'c'", {"beta/2"}),
        ("tags.stage = 'prod'", set()),  # a model tag, not a version tag
        ("name = 'alpha' AND version_number >= 2 AND run_id = 'r2'", {"alpha/2"}),
        ("tags.env LIKE 'p%' AND version_number > 1", {"beta/2"}),
    ],
)
def test_version_filters(db: sa.Engine, text: str | None, expected: set[str]) -> None:
    names = version_names(db, text)
    assert set(names) == expected
    assert len(names) == len(expected)


# Name orderings use names whose order does not depend on the database's collation.
@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ([], ["alpha", "beta", "delta%"]),
        (["name DESC"], ["delta%", "beta", "alpha"]),
        (["timestamp DESC"], ["delta%", "alpha", "beta"]),
        (["last_updated_timestamp"], ["beta", "alpha", "delta%"]),
        (["creation_timestamp DESC"], ["delta%", "beta", "alpha"]),
    ],
)
def test_model_order(db: sa.Engine, order_by: list[str], expected: list[str]) -> None:
    assert model_names(db, "name IN ('beta', 'delta%', 'alpha')", order_by) == expected


def test_model_order_by_timestamp_covers_every_model(db: sa.Engine) -> None:
    assert model_names(db, None, ["creation_timestamp"]) == [name for name, *_ in MODELS]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        # MLflow's default: newest update first, then name, then the highest version.
        ([], ["beta/1", "alpha/3", "alpha/2", "beta/2", "alpha/1"]),
        (["version_number"], ["alpha/1", "beta/1", "alpha/2", "beta/2", "alpha/3"]),
        (["name DESC"], ["beta/2", "beta/1", "alpha/3", "alpha/2", "alpha/1"]),
        (["creation_timestamp DESC"], ["beta/2", "beta/1", "alpha/3", "alpha/2", "alpha/1"]),
        (["last_updated_timestamp ASC"], ["alpha/1", "alpha/3", "alpha/2", "beta/2", "beta/1"]),
        (
            ["version_number DESC", "name DESC"],
            ["alpha/3", "beta/2", "alpha/2", "beta/1", "alpha/1"],
        ),
    ],
)
def test_version_order(db: sa.Engine, order_by: list[str], expected: list[str]) -> None:
    assert version_names(db, None, order_by) == expected


def test_model_order_ends_with_the_row_id() -> None:
    assert str(registered_model_order([])[-1]) == "registered_models.id ASC"


@pytest.mark.parametrize("order_by", [[], ["version_number"], ["creation_timestamp DESC"]])
def test_version_order_ends_with_name_and_version_a_unique_key(order_by: list[str]) -> None:
    terms = [str(t) for t in model_version_order(parse_model_version_order_by(order_by))]
    assert not any("model_versions.id" in t for t in terms)
    assert "registered_models.name ASC" in terms
    assert any(t.startswith("model_versions.version ") for t in terms)


def _query_plan(db: sa.Engine, stmt: sa.Select[Any]) -> str:
    compiled = stmt.compile(db, compile_kwargs={"literal_binds": True})
    with db.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("offset", [0, 2])
def test_default_version_page_of_one_model_reads_an_index_without_sorting(
    db: sa.Engine, offset: int
) -> None:
    # A page of one model's versions in MLflow's default order walks the index on
    # (model_id, last_updated_time, version) backwards: no temporary B-tree sorts every version
    # of the model for each page.
    stmt = search_statement(
        where=model_version_where(parse_model_version_filter("name = 'alpha'")),
        order=model_version_order(parse_model_version_order_by([])),
        offset=offset,
        limit=2,
    )
    plan = _query_plan(db, stmt)
    assert "ix_model_versions_model_id_last_updated_time_version" in plan
    assert "TEMP B-TREE" not in plan
    with db.connect() as conn:
        found = [f"{row.model_name}/{row.version}" for row in conn.execute(stmt)]
    assert found == ["alpha/3", "alpha/2", "alpha/1"][offset : offset + 2]


def test_values_are_bound_parameters() -> None:
    value = "x' OR '1'='1"
    where = registered_model_where(
        parse_registered_model_filter("name = 'x'' OR ''1''=''1' AND tags.`k'` LIKE 'x''%'")
    )
    compiled = sa.select(registered_models.c.id).where(*where).compile()
    assert "OR" not in str(compiled)
    assert "x'%" not in str(compiled)
    assert set(compiled.params.values()) >= {value, "k'", "x'%"}
