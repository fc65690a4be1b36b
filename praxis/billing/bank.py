"""Bank identifiers printed on invoices, checked before they are saved (pure functions, no Django).

- IBAN (ISO 13616): country, two check digits, account; valid when the rearranged number mod 97 is 1.
- BIC (ISO 9362): 8 or 11 characters, bank (4 letters), country (2 letters), location, optional branch.
- Structured creditor reference (ISO 11649, "RF"): `RF` + two check digits + up to 21 characters, the
  reference European banks accept for bank transfers in NL, BE, FR and DE alike.
"""

import re

_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def _digits(text: str) -> int:
    """Letters as numbers (A=10 … Z=35), the way IBAN and RF check digits are computed."""
    return int("".join(str(int(ch, 36)) for ch in text))


def normalise_iban(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def valid_iban(value: str) -> bool:
    iban = normalise_iban(value)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", iban):
        return False
    return _digits(iban[4:] + iban[:4]) % 97 == 1


def valid_bic(value: str) -> bool:
    return bool(_BIC.match((value or "").replace(" ", "").upper()))


def format_iban(value: str) -> str:
    """`NL91ABNA0417164300` → `NL91 ABNA 0417 1643 00`, as people read and type it."""
    iban = normalise_iban(value)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def creditor_reference(reference: str) -> str:
    """The ISO 11649 reference of `reference` (letters and digits only): `539007547034` → `RF18539007547034`."""
    body = re.sub(r"[^A-Z0-9]", "", reference.upper())
    if not 1 <= len(body) <= 21:
        raise ValueError("a creditor reference holds 1 to 21 letters or digits")
    check = 98 - _digits(body + "RF00") % 97
    return f"RF{check:02d}{body}"


def valid_creditor_reference(value: str) -> bool:
    ref = re.sub(r"\s+", "", value or "").upper()
    return bool(re.fullmatch(r"RF[0-9]{2}[A-Z0-9]{1,21}", ref)) and _digits(ref[4:] + ref[:4]) % 97 == 1
