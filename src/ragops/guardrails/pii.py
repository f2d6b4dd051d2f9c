"""PII and secret detection with checksum validation; redaction keeps the text readable ([EMAIL], [CARD])."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ragops.config import ALL_PII_ENTITIES, PiiEntity
from ragops.guardrails.base import Detection, Span, replace_spans

# Country -> IBAN length (ISO 13616 registry, the commonly seen countries); others need 15-34 characters.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GI": 23,
    "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "KW": 30, "KZ": 20,
    "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "ME": 22, "MK": 19, "MT": 31, "MU": 30,
    "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24,
    "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29,
}  # fmt: skip


@dataclass(frozen=True)
class _Detector:
    entity: PiiEntity
    label: str
    pattern: re.Pattern[str]
    is_valid: Callable[[str], bool] = lambda _: True


def luhn_valid(number: str) -> bool:
    """The Luhn mod-10 check every payment card number passes."""
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return len(digits) > 0 and total % 10 == 0


def _card_valid(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    # Issuer prefixes (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro) cut Luhn's 1-in-10 chance hits.
    has_issuer = re.match(r"4|5[1-5]|2[2-7]|3[47]|3[0689]|6(?:011|5|4[4-9]|2)|35|5[0678]", digits) is not None
    return 13 <= len(digits) <= 19 and has_issuer and luhn_valid(digits)


def iban_valid(text: str) -> bool:
    """ISO 13616: known length for the country, and mod-97 of the rearranged number equals 1."""
    iban = re.sub(r"\s", "", text).upper()
    expected = IBAN_LENGTHS.get(iban[:2])
    if (expected is not None and len(iban) != expected) or not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _phone_valid(text: str) -> bool:
    return 7 <= sum(c.isdigit() for c in text) <= 15  # E.164 allows at most 15 digits


def _ip_valid(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    # Section and version numbers ("3.2.1.4", "2.1.0.0") parse as IPv4: one-digit octets only are not taken as one.
    # Loopback and unspecified addresses (::1, 127.0.0.1, ::) name every machine, so no one in particular.
    return not (
        address.is_unspecified
        or address.is_loopback
        or (address.version == 4 and all(len(o) == 1 for o in text.split(".")))
    )


_DETECTORS: tuple[_Detector, ...] = (
    _Detector(
        "private_key",
        "PRIVATE_KEY",
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|$)"
        ),
    ),
    _Detector("aws_access_key", "AWS_ACCESS_KEY", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[0-9A-Z]{16}\b")),
    _Detector(
        "secret_token",
        "SECRET",
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}"  # GitHub
            r"|xox[abposr]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,}"  # Slack
            r"|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"  # OpenAI / Anthropic style
            r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"  # Stripe
            r"|AIza[0-9A-Za-z_-]{35}"  # Google API key
            r"|glpat-[A-Za-z0-9_-]{20,}"  # GitLab
            r"|hf_[A-Za-z0-9]{30,}"  # Hugging Face
            r"|npm_[A-Za-z0-9]{36}"  # npm
            r"|SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}"  # SendGrid
            r"|https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,}"  # Slack webhook URL
            r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"  # JWT
        ),
    ),
    _Detector(
        "secret_token",
        "SECRET",
        # A value assigned to a secret-looking name: aws_secret_access_key=..., password: "..."
        re.compile(
            r"(?<![A-Za-z0-9])(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|secret[_-]?(?:access[_-]?)?key|token"
            r"|account[_-]?key|client[_-]?secret|auth[_-]?token|shared[_-]?access[_-]?key)"
            r"[\"']?\s{0,3}[:=]\s{0,3}[\"']?(?P<value>[^\s\"']{8,})",
            re.IGNORECASE,
        ),
    ),
    _Detector("email", "EMAIL", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    _Detector(
        "email",
        "EMAIL",
        # Spelled out against scrapers: jane.doe [at] example [dot] org, jane(at)example(dot)org
        re.compile(
            r"\b[A-Za-z0-9._%+-]+\s*[\[({<]\s*at\s*[\])}>]\s*[A-Za-z0-9-]+(?:\s*[\[({<]\s*dot\s*[\])}>]\s*[A-Za-z0-9-]+)+\b",
            re.IGNORECASE,
        ),
    ),
    _Detector(
        "iban",
        "IBAN",
        # Upper case only: case-blind, the groups would run on into the words after the number.
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),
        iban_valid,
    ),
    _Detector(
        "iban",
        "IBAN",
        # Typed in lower case: digit groups only (most countries' account numbers), so words never join in.
        re.compile(r"\b[a-z]{2}\d{2}(?: ?\d{4}){2,7}(?: ?\d{1,4})?\b"),
        iban_valid,
    ),
    _Detector("card", "CARD", re.compile(r"(?<!\d)(?<!\d\.)\d(?:[ -]?\d){12,18}(?!\d|\.\d)"), _card_valid),
    _Detector("ssn", "SSN", re.compile(r"\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b")),
    _Detector(
        "ssn",
        "SSN",
        re.compile(r"\b(?:ssn|social security(?: number| no\.?)?)[\s:#]{1,4}(?P<value>\d{9})\b", re.IGNORECASE),
    ),
    _Detector(
        "phone",
        "PHONE",
        re.compile(
            r"(?<![\w.+-])(?<!\d[ .-])"  # not the tail of a longer digit run
            r"(?:(?:\+|\b00)\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,8}){1,4}"  # international
            r"|(?:\b1[ .-]?)?\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}"  # (555) 123-4567, 1 (555) 123-4567
            r"|(?:\b1[ .-])?\b\d{3}[ .-]\d{3}[ .-]\d{4}"  # 555-123-4567, 1-800-555-0199
            # national trunk prefix: 020 7946 0958, 06-12345678
            r"|\b0\d{1,4}(?:[ .-]\d{6,8}|(?:[ .-]\d{2,4}){2,4}))(?![\w-])"
        ),
        _phone_valid,
    ),
    _Detector(
        "ip_address",
        "IP_ADDRESS",
        re.compile(
            r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?!\w|\.\d)"
            r"|(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])",  # IPv6; ipaddress checks the form
            re.IGNORECASE,
        ),
        _ip_valid,
    ),
)


def find_pii(text: str, entities: Sequence[PiiEntity] = ALL_PII_ENTITIES) -> list[Span]:
    """Non-overlapping PII spans; detectors earlier in the list win overlaps (a key beats the email inside it)."""
    wanted = set(entities)
    taken: list[Span] = []
    for detector in _DETECTORS:
        if detector.entity not in wanted:
            continue
        group = "value" if "value" in detector.pattern.groupindex else 0  # context words stay in the text
        for match in detector.pattern.finditer(text):
            start, end = match.span(group)
            overlaps = any(start < span.end and span.start < end for span in taken)
            if not overlaps and detector.is_valid(match.group(group)):
                taken.append(Span(start, end, detector.label))
    return sorted(taken, key=lambda s: s.start)


def redact_pii(text: str, entities: Sequence[PiiEntity] = ALL_PII_ENTITIES) -> str:
    return replace_spans(text, find_pii(text, entities))


class PiiGuard:
    """Triggers on any PII span; the redacted text replaces each one with its label."""

    def __init__(self, entities: Sequence[PiiEntity] = ALL_PII_ENTITIES) -> None:
        self.entities = tuple(entities)

    def inspect(self, text: str, *, sources: Sequence[str] = ()) -> Detection:
        spans = find_pii(text, self.entities)
        if not spans:
            return Detection.clean()
        labels = sorted({span.label for span in spans})
        reasons = tuple(f"{label}: {sum(s.label == label for s in spans)} found" for label in labels)
        return Detection(triggered=True, score=1.0, reasons=reasons, redacted=replace_spans(text, spans))
