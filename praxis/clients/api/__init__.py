"""The clients API under /api/v1/workspaces/{ws}/ (SPEC §13): one router per concern, mounted together.

Handlers translate between JSON and the services/selectors only; each declares its capability with
`@workspace_endpoint(CAP)`; what a member may receive is decided by `praxis.clients.policies`.
"""

from ninja import Router

from . import exports, fields, imports, records, relationships

router = Router()
for module in (records, fields, relationships, imports, exports):
    router.add_router("", module.router)
