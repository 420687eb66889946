"""Domain objects -> MLflow's JSON (proto field names, int64 as numbers, unset fields left out)."""

from __future__ import annotations

from typing import Any

from modelyard.domain.registry import ModelVersion, RegisteredModel


def model_version(v: ModelVersion) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": v.name,
        "version": str(v.version),
        "creation_timestamp": v.creation_timestamp,
        "last_updated_timestamp": v.last_updated_timestamp,
        "current_stage": v.current_stage,
        "status": v.status,
    }
    for key in ("user_id", "description", "source", "run_id", "run_link", "status_message"):
        value = getattr(v, key)
        if value is not None:
            out[key] = value
    if v.model_id is not None:
        out["model_id"] = v.model_id
    if v.tags:
        out["tags"] = [{"key": k, "value": val} for k, val in v.tags.items()]
    if v.aliases:
        out["aliases"] = v.aliases
    return out


def registered_model(m: RegisteredModel) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": m.name,
        "creation_timestamp": m.creation_timestamp,
        "last_updated_timestamp": m.last_updated_timestamp,
    }
    if m.user_id is not None:
        out["user_id"] = m.user_id
    if m.description is not None:
        out["description"] = m.description
    if m.latest_versions:
        out["latest_versions"] = [model_version(v) for v in m.latest_versions]
    if m.tags:
        out["tags"] = [{"key": k, "value": val} for k, val in m.tags.items()]
    if m.aliases:
        out["aliases"] = [{"alias": a, "version": str(n)} for a, n in m.aliases.items()]
    return out
