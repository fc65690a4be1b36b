"""Client record URLs. Each views module owns its patterns (records, custom fields, relationships, import,
export, access history, portal); this module only puts them together."""

from .views import access, exports, fields, imports, portal, records, relationships

app_name = "clients"

urlpatterns = [
    *fields.urlpatterns,
    *relationships.urlpatterns,
    *imports.urlpatterns,
    *exports.urlpatterns,
    *access.urlpatterns,
    *portal.urlpatterns,
    # Last: the record's tab route (`clients/<id>/<tab>/`) would shadow any other per-client page.
    *records.urlpatterns,
]
