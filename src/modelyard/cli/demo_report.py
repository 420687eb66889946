"""The last pages of `modelyard demo`: a version's lineage as a tree, the model's audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from modelyard.client import AuditClient


def _when(ms: int | None) -> str:
    return "-" if ms is None else datetime.fromtimestamp(ms / 1000).strftime("%H:%M:%S")


def _pairs(values: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(values.items())
    )


def show_lineage(console: Console, lineage: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.tree import Tree

    mv = lineage["model_version"]
    aliases = ", ".join(mv["aliases"]) or "none"
    tree = Tree(
        f"[bold]{escape(mv['name'])} version {mv['version']}[/] "
        f"(stage {mv['stage']}, aliases {escape(aliases)})"
    )
    registered = lineage["registered"]
    tree.add(f"registered by {registered['actor']} at {_when(registered['time'])}")
    run = lineage["run"]
    if run is not None:
        experiment = lineage["experiment"] or {}
        node = tree.add(
            f"run {run['run_name']} ({run['run_id'][:12]}) "
            f"in experiment {experiment.get('name', '-')}"
        )
        node.add(escape(f"params: {_pairs(run['params'])}"))
        node.add(escape(f"metrics: {_pairs(run['metrics'])}"))
    files = lineage["files"]
    if files is not None:
        tree.add(
            f"files: {files['file_count']} files, {files['total_size']:,} bytes, "
            f"digest {files['digest'][:16]}..."
        )
    history = tree.add("history")
    for h in lineage["history"]:
        change = (
            f"stage {h['from_stage']} -> {h['to_stage']}"
            if h["kind"] == "stage"
            else f"alias {h['alias']}: {h['previous_version']} -> {h['version']}"
        )
        history.add(f"{_when(h['time'])} {change} ({h['actor']}, {h['action']})")
    approvals = tree.add("approvals")
    for a in lineage["approvals"]:
        target = ", ".join(f"{k} {v}" for k, v in a["target"].items())
        approvers = ", ".join(d["approver"] for d in a["decisions"]) or "nobody"
        approvals.add(
            f"request {a['id']}: {target}, {a['status']} "
            f"(asked by {a['requester']}, approved by {approvers})"
        )
    console.print(tree)


def show_audit(console: Console, audit: AuditClient, model: str) -> None:
    from rich.table import Table

    events = audit.list_events(model=model, max_results=1000)["events"]
    table = Table("seq", "time", "actor", "action", "version", "policy")
    for e in reversed(events):
        policy = (e["after"] or {}).get("policy")
        table.add_row(
            str(e["seq"]),
            _when(e["time"]),
            e["actor"],
            e["action"],
            str(e["target_version"] or "-"),
            "-" if not policy else f"{policy['scope']} policy v{policy['version']}",
        )
    console.print(table)
    verified = audit.verify()
    if verified["ok"]:
        console.print(f"hash chain intact: {verified['checked']} events checked")
    else:
        console.print(f"[red]hash chain broken at event {verified['first_bad_seq']}[/]")
