"""A server that starts after another one stopped mid-registration fails the version it left
PENDING_REGISTRATION, so that clients waiting for it get an answer."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from mlflow.tracking import MlflowClient

from modelyard.config import Settings
from modelyard.domain.registry import FAILED_REGISTRATION, PENDING_REGISTRATION
from modelyard.services.registration_leases import INTERRUPTED
from modelyard.store.engine import create_engine
from modelyard.store.tables import model_versions, registered_models
from tests.helpers import live_server, wait_until

pytestmark = pytest.mark.e2e


def _leave_a_pending_version(data_dir: Path, name: str) -> None:
    """What a server killed while copying a version's files leaves: the pending row, its lease
    run out (its copier stopped moving it forward)."""
    engine = create_engine(Settings(data_dir=data_dir))
    try:
        with engine.begin() as conn:
            model_id = conn.execute(
                sa.select(registered_models.c.id).where(registered_models.c.name == name)
            ).scalar_one()
            conn.execute(
                sa.update(registered_models)
                .where(registered_models.c.id == model_id)
                .values(next_version=2)
            )
            conn.execute(
                sa.insert(model_versions).values(
                    model_id=model_id,
                    version=1,
                    creation_time=1,
                    last_updated_time=1,
                    current_stage="None",
                    source="runs:/0123456789abcdef0123456789abcdef/model",
                    status=PENDING_REGISTRATION,
                    registration_expires=2,
                )
            )
    finally:
        engine.dispose()


def test_a_restarted_server_fails_the_version_a_stopped_one_left_pending(tmp_path: Path) -> None:
    with live_server(data_dir=tmp_path) as first:
        MlflowClient(tracking_uri=first.url).create_registered_model("churn")
    _leave_a_pending_version(tmp_path, "churn")

    with live_server(data_dir=tmp_path) as second:
        client = MlflowClient(tracking_uri=second.url)

        def failed() -> object:
            version = client.get_model_version("churn", "1")
            return version if version.status == FAILED_REGISTRATION else None

        version = wait_until(failed, timeout=20, what="the sweep at start")
        assert version.status_message == INTERRUPTED
        log = second.log_path.read_text()
    assert "Failed 1 registration(s) interrupted by a stopped server." in log
