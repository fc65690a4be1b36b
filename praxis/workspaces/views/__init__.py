"""HTML views for workspaces, members, invitations and contact persons.

Views are thin: `@workspace_view(capability)` resolves the workspace and the member's capabilities once
(404 for a workspace the user is not an active member of, 403 for a missing capability), a form shapes the
input, one service does the work and its `ServiceError` becomes a form error or a message (`NotFound`
becomes 404, R-ROLE-4). Every change is a POST with CSRF and answers with a redirect (post/redirect/get);
an htmx request gets a named partial of the same template instead, so every page also works without
JavaScript.
"""

from .inviting import invitation_resend_view, invitation_revoke_view, invitations, invite  # noqa: F401
from .team import (  # noqa: F401
    contact_access,
    contact_add,
    contact_edit,
    contacts,
    member_edit,
    members,
    members_cancel,
    members_restore,
)
from .workspace import dashboard, home, ownership_transfer, workspace_list, workspace_settings  # noqa: F401
