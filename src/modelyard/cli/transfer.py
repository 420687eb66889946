"""`modelyard download` and `modelyard upload`: files through the server's artifact proxy,
streamed in blocks (never read whole into memory), with a progress bar on stderr."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from modelyard.cli.options import Json, Url, fail
from modelyard.cli.progress import byte_progress


def download(
    uri: Annotated[
        str,
        typer.Argument(
            help="The version: models:/NAME/VERSION, models:/NAME@ALIAS or models:/NAME/STAGE."
        ),
    ],
    dest: Annotated[
        Path | None,
        typer.Option("--dest", help="Folder to write the files into. Default: ./NAME-VERSION."),
    ] = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Download a version's files, each checked against the sha256 in its manifest.

    A file is written under a temporary name and moved into place only once its size and
    sha256 match; a mismatch fails the command (exit status 2).

    Example: modelyard download models:/churn@champion --dest ./churn-model
    """
    from modelyard.client.artifacts import ArtifactsClient, proxy_path, safe_relative
    from modelyard.client.registry import RegistryClient

    with RegistryClient(url) as registry:
        version = registry.resolve(uri)
        name, number = version["name"], int(version["version"])
        manifest = registry.manifest(name, number)
    if manifest["files"] is None:
        raise fail(
            f"{name} version {number} references files modelyard does not keep "
            f"({version.get('source')}): there is nothing to download"
        )
    folder = dest or Path(f"{_slug(name)}-{number}")
    root = proxy_path(manifest["storage_location"])
    files: list[dict[str, Any]] = manifest["files"]
    with ArtifactsClient(url) as artifacts, byte_progress() as bars:
        task = bars.add_task(f"{name} v{number}", total=sum(f["size"] for f in files))
        for f in files:
            artifacts.download_file(
                f"{root}/{f['path']}",
                folder / safe_relative(f["path"]),
                size=f["size"],
                sha256=f["sha256"],
                progress=lambda n: bars.advance(task, n),
            )
    if as_json:
        shown = {"name": name, "version": number, "dest": str(folder), "files": files}
        typer.echo(json.dumps(shown, indent=2))
        return
    total = sum(f["size"] for f in files)
    typer.echo(
        f"{name} version {number}: {len(files)} file(s), {total} bytes, written to {folder} "
        "(sha256 checked)"
    )


def upload(
    local: Annotated[
        Path, typer.Argument(help="A file, or a folder (its files, recursively).", exists=True)
    ],
    artifact_path: Annotated[
        str,
        typer.Argument(
            help="Folder in the artifact store to upload into, e.g. models/churn/2026-01."
        ),
    ],
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Upload a file or a folder to the server's artifact store, as `mlflow` does.

    A file goes to ARTIFACT_PATH/its name; a folder's files go under ARTIFACT_PATH. The
    printed mlflow-artifacts:/ URI can be registered as a version's source.

    Example: modelyard upload ./model models/churn/candidate
    """
    from modelyard.client.artifacts import PROXY_SCHEME, ArtifactsClient, local_files

    folder = artifact_path.strip("/")
    if not folder:
        raise fail("ARTIFACT_PATH must name a folder, e.g. models/churn")
    files = local_files(local)
    sizes = [p.stat().st_size for p, _ in files]
    with ArtifactsClient(url) as artifacts, byte_progress() as bars:
        task = bars.add_task(local.name, total=sum(sizes))
        for path, relative in files:
            bars.update(task, description=relative)
            artifacts.upload_file(
                path, f"{folder}/{relative}", progress=lambda n: bars.advance(task, n)
            )
    uri = PROXY_SCHEME + folder
    if as_json:
        shown = [{"path": r, "size": s} for (_, r), s in zip(files, sizes, strict=True)]
        typer.echo(json.dumps({"uri": uri, "files": shown}, indent=2))
        return
    typer.echo(f"{len(files)} file(s), {sum(sizes)} bytes, uploaded to {uri}")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "model"
