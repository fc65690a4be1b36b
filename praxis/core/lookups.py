"""`TenantKeyExact`: a workspace comparison typed as the column is (bigint) on PostgreSQL.

Django writes `workspace_id = 2` with an integer literal. PostgreSQL compares bigint with integer through a
cross-type operator that a plain btree index understands but a `btree_gin` column of a composite GIN index
does not (its operator class has `bigint = bigint` only). The client search index
(`clients.0006_search_index_per_workspace`: workspace and trigrams in one GIN index) is only used whole when
*every* workspace predicate of the query is `bigint = bigint` — the tenant scope (django-scopes), the
access policy and any selector each add one, and a single integer-typed one makes the planner combine the
trigram index with the plain workspace index instead, reading the trigram matches of every workspace of
the deployment.

Registered on the `workspace` key of the models whose composite indexes need it (`Client`); on SQLite the
comparison is unchanged.
"""

from django.db.models.fields.related_lookups import RelatedExact


class TenantKeyExact(RelatedExact):
    def process_rhs(self, compiler, connection):
        sql, params = super().process_rhs(compiler, connection)
        if connection.vendor == "postgresql" and sql == "%s":
            sql = "%s::bigint"
        return sql, params
