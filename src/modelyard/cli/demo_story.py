"""The story `modelyard demo` tells against a live server, one narrated step at a time.

Plain `mlflow` where MLflow has the words (logging, registering, stages, aliases, loading), the
modelyard SDK for the rest (policy, approvals, rollback, lineage, audit). Two people act: alice
trains and asks, bob approves; the mlflow client sends no user, so its changes are `anonymous`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from rich.console import Console

THRESHOLD = 0.95
POLICY = f"""\
groups:
  ml-leads: [bob]
rules:
  - stage: Staging
    metrics: ["test_accuracy >= {THRESHOLD}"]
    signature_required: true
  - stage: Production
    from_stage: Staging
    metrics: ["test_accuracy >= {THRESHOLD}"]
    approvals: {{count: 1, groups: [ml-leads]}}
    archive_existing: true
  - alias: champion
    from_stage: Production
"""


class DemoError(Exception):
    """The demo cannot go on; the message says why."""


@dataclass
class Trained:
    label: str
    model: Any
    params: dict[str, Any]
    accuracy: float
    f1: float
    version: str = ""


def run_story(console: Console, url: str, model_name: str) -> str:
    """Tell the whole story against the server at `url`; returns the model name used."""
    from mlflow.exceptions import MlflowException

    from modelyard.errors import ModelyardError

    _quiet_mlflow()
    story = _Story(console, url, model_name)
    try:
        story.tell()
    except (MlflowException, ModelyardError) as e:
        raise DemoError(f"step {story.step} failed: {e}") from None
    return story.name


def _quiet_mlflow() -> None:
    """The narration is the output: mlflow's own INFO lines and warnings are not."""
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    # Fail in seconds, not minutes, if the server goes away mid-story.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")


class _Story:
    def __init__(self, console: Console, url: str, model_name: str) -> None:
        import mlflow
        from mlflow import MlflowClient

        from modelyard.client import ApprovalsClient, AuditClient, LineageClient, PoliciesClient

        self.console = console
        self.url = url
        self.step = 0
        mlflow.set_tracking_uri(url)
        self.mlflow: MlflowClient = MlflowClient(url)
        self.name = self._unused_name(model_name)
        self.policies = PoliciesClient(url, user="alice")
        self.alice = ApprovalsClient(url, user="alice")
        self.bob = ApprovalsClient(url, user="bob")
        self.audit = AuditClient(url, user="alice")
        self.lineage = LineageClient(url, user="alice")

    def tell(self) -> None:
        baseline, candidate = self.train()
        self.log_and_register([baseline, candidate])
        self.apply_policy()
        self.weaker_is_blocked(baseline)
        self.through_staging_and_approval(candidate)
        self.aliases(champion=candidate, challenger=baseline)
        self.load_and_predict(candidate)
        self.roll_back(candidate)
        from modelyard.cli.demo_report import show_audit, show_lineage

        self._heading(
            "Lineage", f"Everything known about version {candidate.version}, in one call."
        )
        self._code(f"modelyard lineage {self.name} {candidate.version} --json")
        show_lineage(self.console, self.lineage.lineage(self.name, candidate.version))
        self._heading("Audit trail", "Every change, who made it, under which policy version.")
        self._code(f"modelyard audit list --model {self.name}")
        show_audit(self.console, self.audit, self.name)

    # -- steps ------------------------------------------------------------------------------------

    def train(self) -> tuple[Trained, Trained]:
        from sklearn.datasets import load_breast_cancer  # type: ignore[import-untyped]
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
        from sklearn.metrics import accuracy_score, f1_score  # type: ignore[import-untyped]
        from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]
        from sklearn.naive_bayes import GaussianNB  # type: ignore[import-untyped]
        from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]
        from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]

        self._heading(
            "Train two models",
            "scikit-learn's bundled breast cancer dataset (569 tumours, 30 features; "
            "1 = benign), a quarter held out for testing.",
        )
        x, y = load_breast_cancer(return_X_y=True, as_frame=True)
        split = train_test_split(x, y, test_size=0.25, random_state=42, stratify=y)
        x_train, self.x_test, y_train, self.y_test = split
        found = []
        for label, model, params in (
            ("baseline", GaussianNB(), {"estimator": "GaussianNB"}),
            ("candidate", make_pipeline(StandardScaler(), LogisticRegression(C=1.0)),
             {"estimator": "LogisticRegression", "C": 1.0, "scaler": "standard"}),
        ):  # fmt: skip
            model.fit(x_train, y_train)
            predicted = model.predict(self.x_test)
            accuracy = float(accuracy_score(self.y_test, predicted))
            found.append(
                Trained(label, model, params, accuracy, float(f1_score(self.y_test, predicted)))
            )
        table = self._table("model", "estimator", "test_accuracy", "test_f1")
        for t in found:
            table.add_row(t.label, _estimator(t.model), f"{t.accuracy:.3f}", f"{t.f1:.3f}")
        self.console.print(table)
        return found[0], found[1]

    def log_and_register(self, trained: list[Trained]) -> None:
        import mlflow
        import mlflow.sklearn
        import sklearn  # type: ignore[import-untyped]
        from mlflow.models import infer_signature

        self._heading(
            "Log and register with mlflow",
            "Each run logs params, metrics, the model with its signature and an input example, "
            f"and registers it as a new version of [bold]{self.name}[/].",
        )
        self._code(
            "mlflow.sklearn.log_model(model, name='model', signature=..., input_example=..., "
            f"registered_model_name='{self.name}')"
        )
        mlflow.set_experiment("modelyard-demo")
        for t in trained:
            # mlflow prints run links and registration notes; the narration says what matters.
            with _silenced(), mlflow.start_run(run_name=t.label):
                mlflow.log_params(t.params)
                mlflow.log_metrics({"test_accuracy": t.accuracy, "test_f1": t.f1})
                signature = infer_signature(self.x_test, t.model.predict(self.x_test))
                info = mlflow.sklearn.log_model(
                    t.model,
                    name="model",
                    signature=signature,
                    input_example=self.x_test.head(3),
                    registered_model_name=self.name,
                    # Given, not inferred: inferring runs a subprocess per model.
                    pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
                    # mlflow would poll every 3 s for the copy of the files to finish.
                    await_registration_for=0,
                )
            t.version = str(info.registered_model_version)
            self._await_ready(t.version)
            self.console.print(f"{t.label}: registered as version {t.version}")
        # Before any policy, as many teams start: the baseline serves as champion.
        self.mlflow.set_registered_model_alias(self.name, "champion", trained[0].version)
        self.console.print(
            f"Until today the baseline served: alias champion -> version {trained[0].version} "
            "(no policy yet, so nothing checked it)."
        )
        self._versions_table()

    def apply_policy(self) -> None:
        from rich.syntax import Syntax

        self._heading(
            "Apply a promotion policy",
            "alice stores this policy for the model. The server enforces it on every path: "
            "the mlflow client, the REST API, the CLI.",
        )
        self._code(f"modelyard policy apply policy.yaml --model {self.name}")
        self.console.print(Syntax(POLICY, "yaml", theme="ansi_dark", background_color="default"))
        stored = self.policies.put_policy(POLICY, model=self.name)
        self.console.print(f"stored policy version {stored['version']} for model {self.name}")

    def weaker_is_blocked(self, weak: Trained) -> None:
        from mlflow.exceptions import MlflowException

        self._heading(
            "Try to promote the weaker model",
            f"The baseline (version {weak.version}) asks for Staging. A dry run first, then "
            "the real call through the mlflow client.",
        )
        self._code(f"modelyard promote {self.name} {weak.version} --stage Staging --check")
        check = self.policies.check(self.name, weak.version, stage="Staging")
        table = self._table("check", "passed", "actual", "required")
        for c in check["checks"]:
            passed = "[green]yes[/]" if c["passed"] else "[red]NO[/]"
            table.add_row(c["name"], passed, str(c["actual"]), str(c["required"]))
        self.console.print(table)
        try:
            with warnings.catch_warnings():
                self.mlflow.transition_model_version_stage(self.name, weak.version, "Staging")
        except MlflowException as e:
            self.console.print(f"[red]refused[/] ({e.error_code}, HTTP 403):")
            self.console.print(e.message, markup=False)
        else:
            raise DemoError("the policy should have refused the weaker model, and did not")
        self.console.print("Nothing changed: the version stays in stage None.")

    def through_staging_and_approval(self, good: Trained) -> None:
        self._heading(
            "Promote the better model",
            f"Version {good.version} passes the Staging rule; Production also needs an approval "
            "from bob.",
        )
        self._code(
            f"client.transition_model_version_stage('{self.name}', '{good.version}', 'Staging')"
        )
        moved = self.mlflow.transition_model_version_stage(self.name, good.version, "Staging")
        self.console.print(f"version {good.version} is now in stage [bold]{moved.current_stage}[/]")
        self._code(f"modelyard approvals request {self.name} {good.version} --stage Production")
        request = self.alice.request_approval(
            self.name, int(good.version), stage="Production",
            comment=f"test_accuracy {good.accuracy:.3f} on the holdout",
        )  # fmt: skip
        self.console.print(f"alice: request {request['id']} is [bold]{request['status']}[/]")
        pending = self.bob.list(approver="bob")
        self.console.print(f"bob sees {len(pending)} request(s) waiting for him")
        self._code(f"LOGNAME=bob modelyard approvals approve {request['id']}")
        done = self.bob.approve(request["id"], comment="numbers check out")
        self.console.print(
            f"bob approves: request {done['id']} is [bold]{done['status']}[/] "
            "(the last approval needed applies the change, in the same transaction)"
        )
        stage = self.mlflow.get_model_version(self.name, good.version).current_stage
        self.console.print(
            f"the mlflow client sees version {good.version} in stage [bold]{stage}[/]"
        )

    def aliases(self, *, champion: Trained, challenger: Trained) -> None:
        self._heading(
            "Champion and challenger",
            "champion must be in Production (the policy checks it); challenger has no rule: "
            "the baseline keeps a share of traffic for comparison.",
        )
        for alias, t in (("champion", champion), ("challenger", challenger)):
            self._code(
                f"client.set_registered_model_alias('{self.name}', '{alias}', '{t.version}')"
            )
            self.mlflow.set_registered_model_alias(self.name, alias, t.version)
        self._versions_table()

    def load_and_predict(self, champion: Trained) -> None:
        import mlflow.pyfunc

        uri = f"models:/{self.name}@champion"
        self._heading("Load the champion and predict", f"Any serving code loads {uri}.")
        self._code(f"mlflow.pyfunc.load_model('{uri}').predict(x)")
        loaded = mlflow.pyfunc.load_model(uri)
        predicted = loaded.predict(self.x_test)
        rows = self.x_test.head(5).index
        table = self._table("row", "mean radius", "predicted", "actual")
        names = {0: "malignant", 1: "benign"}
        for i, row in enumerate(rows):
            radius = f"{self.x_test.loc[row, 'mean radius']:.2f}"
            table.add_row(str(row), radius, names[int(predicted[i])], names[int(self.y_test[row])])
        self.console.print(table)
        accuracy = float((predicted == self.y_test.to_numpy()).mean())
        self.console.print(
            f"accuracy on all {len(self.y_test)} held-out rows: {accuracy:.3f} "
            f"(version {champion.version} logged {champion.accuracy:.3f})"
        )

    def roll_back(self, bad: Trained) -> None:
        self._heading(
            "Roll back",
            f"Say version {bad.version} misbehaves in production: one call puts champion back "
            "where it was. "
            "Rollbacks return to a version that held the alias before, so they skip the policy "
            "unless it says `rollback: checked`.",
        )
        for why in ("roll back", "roll back again (undoes the rollback, like `cd -`)"):
            self._code(f"modelyard rollback {self.name} --alias champion   # {why}")
            self.audit.rollback(self.name, alias="champion")
            now = self.mlflow.get_model_version_by_alias(self.name, "champion").version
            self.console.print(f"champion -> version [bold]{now}[/]")
        history = self.audit.alias_history(self.name, "champion")
        table = self._table("time", "champion", "was", "actor", "action")
        for h in history:
            table.add_row(_when(h["time"]), str(h["version"]), str(h["previous_version"]),
                          h["actor"], h["action"])  # fmt: skip
        self.console.print(table)

    # -- helpers ----------------------------------------------------------------------------------

    def _unused_name(self, wanted: str) -> str:
        from mlflow.exceptions import MlflowException

        for n in range(1, 100):
            name = wanted if n == 1 else f"{wanted}-{n}"
            try:
                self.mlflow.get_registered_model(name)
            except MlflowException as e:
                if e.error_code == "RESOURCE_DOES_NOT_EXIST":
                    return name
                raise
        raise DemoError(f"models {wanted} to {wanted}-99 all exist: pass --model")

    def _await_ready(self, version: str) -> None:
        """The server copies a new version's files before it is READY (milliseconds here)."""
        deadline = time.monotonic() + 60
        found = self.mlflow.get_model_version(self.name, version)
        while found.status == "PENDING_REGISTRATION" and time.monotonic() < deadline:
            time.sleep(0.05)
            found = self.mlflow.get_model_version(self.name, version)
        if found.status != "READY":
            raise DemoError(f"version {version} is {found.status}: {found.status_message or ''}")

    def _heading(self, title: str, why: str) -> None:
        self.step += 1
        self.console.print()
        self.console.rule(f"[bold]{self.step}. {title}", align="left")
        self.console.print(why)

    def _code(self, code: str) -> None:
        from rich.markup import escape

        self.console.print(f"[dim]  {escape(code)}[/]")

    def _table(self, *columns: str) -> Any:
        from rich.table import Table

        return Table(*columns)

    def _versions_table(self) -> None:
        table = self._table("version", "run", "stage", "aliases", "test_accuracy", "status")
        found = self.mlflow.search_model_versions(f"name = '{self.name}'")
        for v in sorted(found, key=lambda v: int(v.version)):
            run = self.mlflow.get_run(str(v.run_id))
            accuracy = run.data.metrics.get("test_accuracy")
            table.add_row(
                v.version, run.info.run_name, v.current_stage, ", ".join(v.aliases) or "-",
                "-" if accuracy is None else f"{accuracy:.3f}", v.status,
            )  # fmt: skip
        self.console.print(table)


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def _estimator(model: Any) -> str:
    steps = getattr(model, "steps", None)
    if steps:
        return " + ".join(type(step).__name__ for _, step in steps)
    return type(model).__name__


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%H:%M:%S")
