"""Repository of version manifests: the files each READY version was registered with."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import bindparam

from modelyard.domain.registry import VersionFile
from modelyard.store.tables import model_version_files

vf = model_version_files.c

_FILES_OF = (
    sa.select(vf.path, vf.size, vf.sha256)
    .where(vf.version_id == bindparam("version_id"))
    .order_by(vf.path)
)


def insert_files(conn: sa.Connection, version_id: int, files: Sequence[VersionFile]) -> None:
    if files:
        conn.execute(
            sa.insert(model_version_files),
            [
                {"version_id": version_id, "path": f.path, "size": f.size, "sha256": f.sha256}
                for f in files
            ],
        )


def files_of(conn: sa.Connection, version_id: int) -> list[VersionFile]:
    return [
        VersionFile(path=r.path, size=r.size, sha256=r.sha256)
        for r in conn.execute(_FILES_OF, {"version_id": version_id})
    ]
