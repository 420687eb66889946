"""The Python SDK for modelyard's own API (grows with the governance API)."""

from modelyard.client.approvals import ApprovalsClient
from modelyard.client.audit import AuditClient
from modelyard.client.policies import PoliciesClient

__all__: list[str] = ["ApprovalsClient", "AuditClient", "PoliciesClient"]
