"""The Python SDK for modelyard's own API (grows with the governance API)."""

from modelyard.client.approvals import ApprovalsClient
from modelyard.client.audit import AuditClient
from modelyard.client.lineage import LineageClient
from modelyard.client.policies import PoliciesClient
from modelyard.client.retention import RetentionClient

__all__: list[str] = [
    "ApprovalsClient",
    "AuditClient",
    "LineageClient",
    "PoliciesClient",
    "RetentionClient",
]
