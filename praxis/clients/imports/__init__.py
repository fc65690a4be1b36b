"""Client import (R-CLI-9): `reading` (CSV/XLSX as a stream of rows), `mapping` (columns → fields),
`engine` (validation, duplicates, the report), `progress` (visible outside the transaction), `services`
(upload, map, dry run, commit — the only writers) and `tasks` (the commit as a background task)."""
