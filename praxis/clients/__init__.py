"""Client records (SPEC §7): clients, custom fields, relationships, search, import, export, access history."""
