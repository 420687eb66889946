"""Copying an MLflow registry into modelyard, one registered model at a time.

For each model: create it (description, tags), then each version in number order, so that the
numbers match: its files are downloaded from MLflow, uploaded through modelyard's artifact proxy
to a staging folder of their own, and the version is created from that `mlflow-artifacts:/`
source, so modelyard copies them into its verified, content-addressed storage (the staging
folder is deleted afterwards). A number MLflow no longer has (a deleted version) is taken by a
placeholder version that is deleted at once. Then stages are applied (without archiving other
versions) and aliases set; a policy refusing one is reported, not forced.

A model that already exists in modelyard is left alone: re-running an import skips what it
copied before. A model whose copy fails half-way is deleted again, so a re-run starts it afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from modelyard.client.artifacts import PROXY_SCHEME, ArtifactsClient, local_files
from modelyard.client.mlflow_source import MlflowSource, SourceModel, SourceVersion
from modelyard.client.registry import RegistryClient
from modelyard.errors import InvalidParameter, ModelyardError

STAGING = "imports/mlflow"
IMPORTED_FROM = "modelyard.imported_from"
ORIGINAL_SOURCE = "modelyard.original_source"
PLACEHOLDER_TEXT = b"A version deleted in the MLflow registry this model was imported from.\n"


class Progress(Protocol):
    def begin(self, what: str, total: int | None) -> None:
        """A new step; total bytes when it moves bytes, else None."""

    def advance(self, amount: int) -> None: ...


class _Silent:
    def begin(self, what: str, total: int | None) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


@dataclass(slots=True)
class Outcome:
    """What happened to one model. `result`: imported, skipped (already there, same versions),
    conflict (already there, other versions: left alone), failed, or would-import (dry run)."""

    name: str
    result: str
    versions: list[int] = field(default_factory=list)
    stages: dict[int, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class MlflowImporter:
    """Copies registered models from an MLflow tracking URI into the modelyard server at `url`."""

    def __init__(
        self, source_uri: str, url: str | None = None, *, progress: Progress | None = None
    ) -> None:
        self.registry = RegistryClient(url)
        self.artifacts = ArtifactsClient(url)
        self._progress = progress or _Silent()
        try:
            self._check_target(source_uri)
            self.source = MlflowSource(source_uri)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.registry.close()
        self.artifacts.close()

    def _check_target(self, source_uri: str) -> None:
        if self.registry.url.rstrip("/") == source_uri.rstrip("/"):
            raise InvalidParameter(
                f"The source and the target are the same server ({self.registry.url}): "
                "give the modelyard server with --url or MODELYARD_URL."
            )
        try:
            health = self.registry.request("GET", "/health")
        except ValueError:
            health = None
        if not isinstance(health, dict) or "version" not in health:
            raise InvalidParameter(f"{self.registry.url} is not a modelyard server.")

    def models(self, names: list[str] | None = None) -> list[SourceModel]:
        return self.source.models(names)

    def plan(self, model: SourceModel) -> Outcome:
        """What `copy` would do, changing nothing."""
        outcome = self._existing(model)
        if outcome is None:
            outcome = _outcome(model, "would-import")
        return outcome

    def copy(self, model: SourceModel) -> Outcome:
        outcome = self._existing(model)
        if outcome is not None:
            return outcome
        outcome = _outcome(model, "imported")
        try:
            self.registry.create_model(model.name, description=model.description, tags=model.tags)
        except ModelyardError as e:
            outcome.result, outcome.notes = "failed", [str(e)]
            return outcome
        staging = _staging(model.name)
        try:
            outcome.notes = self._copy_versions(model, staging)
        except (ModelyardError, OSError) as e:
            self._forget(model.name)
            outcome.result, outcome.notes = "failed", [str(e)]
            return outcome
        except KeyboardInterrupt:
            self._forget(model.name)  # so that the next run copies it afresh
            raise
        finally:
            self._quietly(lambda: self.artifacts.delete(staging))
        outcome.warnings = self._stages_and_aliases(model)
        return outcome

    def _existing(self, model: SourceModel) -> Outcome | None:
        if self.registry.get_model(model.name) is None:
            return None
        there = [int(v["version"]) for v in self.registry.versions(model.name)]
        wanted = _copied(model)
        if there == wanted:
            found = _outcome(model, "skipped")
            found.notes.append("already in modelyard with the same versions")
            return found
        found = Outcome(model.name, "conflict", there)
        found.notes.append(
            f"already in modelyard with versions {_numbers(there)}, MLflow has "
            f"{_numbers(wanted)}: left unchanged (delete it in modelyard to import it again)"
        )
        return found

    def _copy_versions(self, model: SourceModel, staging: str) -> list[str]:
        notes: list[str] = []
        number = 1
        for v in model.versions:
            while number < v.version:
                self._placeholder(model.name, number, staging)
                notes.append(f"version {number} was deleted in MLflow: its number is skipped")
                number += 1
            if v.status != "READY":
                self._placeholder(model.name, number, staging)
                notes.append(f"version {number} is {v.status} in MLflow: not copied")
            else:
                self._copy_version(model.name, v, f"{staging}/{v.version}")
            number += 1
        return notes

    def _copy_version(self, name: str, v: SourceVersion, folder: str) -> None:
        with tempfile.TemporaryDirectory(prefix="modelyard-import-") as tmp:
            self._progress.begin(f"{name} v{v.version}: download from MLflow", None)
            files = local_files(self.source.download(name, v.version, Path(tmp)))
            self._progress.begin(
                f"{name} v{v.version}: upload to modelyard", sum(p.stat().st_size for p, _ in files)
            )
            for path, relative in files:
                self.artifacts.upload_file(
                    path, f"{folder}/{relative}", progress=self._progress.advance
                )
        self._progress.begin(f"{name} v{v.version}: register (files copied and checked)", None)
        tags = {**v.tags, IMPORTED_FROM: self.source.shown, ORIGINAL_SOURCE: v.source}
        made = self.registry.create_version(
            name,
            PROXY_SCHEME + folder,
            run_id=v.run_id,
            run_link=v.run_link,
            description=v.description,
            tags=tags,
        )
        _check_made(made, v.version)

    def _placeholder(self, name: str, number: int, staging: str) -> None:
        # Takes the number (modelyard never reuses one) and goes at once.
        with tempfile.TemporaryDirectory(prefix="modelyard-import-") as tmp:
            marker = Path(tmp, "DELETED_IN_MLFLOW.txt")
            marker.write_bytes(PLACEHOLDER_TEXT)
            self.artifacts.upload_file(marker, f"{staging}/deleted/{marker.name}")
        made = self.registry.create_version(name, f"{PROXY_SCHEME}{staging}/deleted")
        _check_made(made, number)
        self.registry.delete_version(name, number)

    def _stages_and_aliases(self, model: SourceModel) -> list[str]:
        warnings: list[str] = []
        for v in model.versions:
            if v.stage != "None" and v.status == "READY":
                self._progress.begin(f"{model.name} v{v.version}: stage {v.stage}", None)
                try:
                    self.registry.transition_stage(model.name, v.version, v.stage)
                except ModelyardError as e:
                    warnings.append(f"version {v.version} not moved to {v.stage}: {_first(e)}")
        for alias, version in sorted(model.aliases.items()):
            self._progress.begin(f"{model.name}: alias {alias} -> v{version}", None)
            try:
                self.registry.set_alias(model.name, alias, version)
            except ModelyardError as e:
                warnings.append(f"alias {alias} not set to version {version}: {_first(e)}")
        return warnings

    def _forget(self, name: str) -> None:
        self._quietly(lambda: self.registry.delete_model(name))

    @staticmethod
    def _quietly(action: Callable[[], object]) -> None:
        # Clean-up after a failure: its own failure must not hide the first one.
        with contextlib.suppress(ModelyardError, OSError):
            action()


def _outcome(model: SourceModel, result: str) -> Outcome:
    copied = _copied(model)
    return Outcome(
        model.name,
        result,
        copied,
        stages={v.version: v.stage for v in model.versions if v.stage != "None"},
        aliases=dict(model.aliases),
    )


def _copied(model: SourceModel) -> list[int]:
    return [v.version for v in model.versions if v.status == "READY"]


def _check_made(made: dict[str, object], expected: int) -> None:
    if made.get("status") != "READY":
        raise ModelyardError(
            f"version {made.get('version')} did not become READY: {made.get('status_message')}"
        )
    if int(str(made.get("version"))) != expected:
        raise ModelyardError(
            f"modelyard numbered the copy of version {expected} as {made.get('version')}"
        )


def _staging(name: str) -> str:
    # A proxy path of its own per model: the name, made safe, and a hash to keep names apart.
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")[:80] or "model"
    return f"{STAGING}/{slug}-{hashlib.sha256(name.encode()).hexdigest()[:10]}"


def _numbers(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers)) or "none"


def _first(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
