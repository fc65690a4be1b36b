"""The registry of notification kinds: how a kind is worded, where it links to, which e-mail it sends.

The kernel app that owns the event registers its kinds (`workspaces.notices`), so the wording lives with
the rules and this app stays free of domain imports (it may import core, accounts and audit only).
Texts are produced at display time, in the language active then (the reader's), from the stored
parameters — never stored as English.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Kind:
    code: str
    #: (notification) -> text in the active language
    text: Callable[[object], str]
    #: (notification) -> a path on this site, where it happened
    link: Callable[[object], str]
    #: e-mail template name (`emails/<email>_subject.txt`, `emails/<email>.txt`); empty: no e-mail
    email: str = ""


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    _KINDS[kind.code] = kind
    return kind


def get(code: str) -> Kind | None:
    return _KINDS.get(code)


def is_registered(code: str) -> bool:
    return code in _KINDS


def text_of(notification) -> str:
    kind = get(notification.kind)
    return kind.text(notification) if kind else _("Something happened in your account.")


def link_of(notification) -> str:
    kind = get(notification.kind)
    return kind.link(notification) if kind else "/"
