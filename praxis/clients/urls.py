"""Client record URLs. Each views module owns its patterns (records, custom fields, relationships, import,
export, access history, portal); this module only puts them together."""

from .views import access, exports, fields, imports, portal, records, relationships

app_name = "clients"

urlpatterns = [
    *records.urlpatterns,
    *fields.urlpatterns,
    *relationships.urlpatterns,
    *imports.urlpatterns,
    *exports.urlpatterns,
    *access.urlpatterns,
    *portal.urlpatterns,
]
