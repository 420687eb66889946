"""The Python SDK for modelyard's own API (grows with the governance API)."""

from modelyard.client.approvals import ApprovalsClient
from modelyard.client.artifacts import ArtifactsClient
from modelyard.client.audit import AuditClient
from modelyard.client.lineage import LineageClient
from modelyard.client.mlflow_import import MlflowImporter
from modelyard.client.policies import PoliciesClient
from modelyard.client.registry import RegistryClient
from modelyard.client.retention import RetentionClient
from modelyard.client.users import UsersClient

__all__: list[str] = [
    "ApprovalsClient",
    "ArtifactsClient",
    "AuditClient",
    "LineageClient",
    "MlflowImporter",
    "PoliciesClient",
    "RegistryClient",
    "RetentionClient",
    "UsersClient",
]
