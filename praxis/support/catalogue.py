"""The operator's starting list of main categories (R-SUP-1), in the four languages. Migration 0002 puts
them in a new deployment; the operator edits them afterwards at /operator/. `ensure_default_categories`
restores them where a database was emptied (the tests' flushed databases, a demo loaded into one).
Examples follow the portal the spec was written from (seed 002)."""

from __future__ import annotations

# code, English, Dutch, French, German, examples
DEFAULT_CATEGORIES = [
    ("financial", "Financial", "Financieel", "Finances", "Finanzen",
     "Claims, client and collective invoices, bookkeeping"),
    ("integrations", "External integrations", "Externe koppeling", "Intégrations externes", "Externe Anbindungen",
     "E-mail settings, secure mail, connections to other systems"),
    ("technical", "Technical", "Techniek", "Technique", "Technik",
     "Templates, updates, exporting clients"),
    ("account", "Account & billing", "Account & facturatie", "Compte et facturation", "Konto & Abrechnung",
     "Your subscription, seats, Praxis's invoices"),
    ("other", "Other", "Overig", "Autre", "Sonstiges", "Anything else"),
]


def ensure_default_categories(Category=None) -> None:  # noqa: N803 — a model class, also the migration's
    """Create the default categories that are missing (never changes an existing one)."""
    if Category is None:
        from .models import Category
    for position, (code, en, nl, fr, de, hint) in enumerate(DEFAULT_CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={"name_en": en, "name_nl": nl, "name_fr": fr,
                                                            "name_de": de, "hint": hint, "position": position})
