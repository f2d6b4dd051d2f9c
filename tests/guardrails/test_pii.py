"""PII detection: checksums decide cards and IBANs; redaction keeps the sentence readable."""

from __future__ import annotations

import pytest

from ragops.guardrails.pii import PiiGuard, find_pii, iban_valid, luhn_valid, redact_pii


@pytest.mark.parametrize(
    ("number", "expected"),
    [("4111111111111111", True), ("4111111111111112", False), ("378282246310005", True), ("378282246310006", False)],
)
def test_luhn(number: str, expected: bool) -> None:
    assert luhn_valid(number) is expected


@pytest.mark.parametrize(
    ("iban", "expected"),
    [
        ("GB82 WEST 1234 5698 7654 32", True),
        ("GB82 WEST 1234 5698 7654 33", False),  # one digit off: mod-97 fails
        ("DE89370400440532013000", True),
        ("DE89370400440532013", False),  # valid-looking but too short for Germany
        ("NL91ABNA0417164300", True),
    ],
)
def test_iban_checksum(iban: str, expected: bool) -> None:
    assert iban_valid(iban) is expected


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("write to jane.doe@example.org today", "EMAIL"),
        ("call +44 20 7946 0958 tomorrow", "PHONE"),
        ("call (555) 123-4567 tomorrow", "PHONE"),
        ("pay with 4111 1111 1111 1111 now", "CARD"),
        ("pay with 3782-822463-10005 now", "CARD"),
        ("iban GB82 WEST 1234 5698 7654 32 please", "IBAN"),
        ("my ssn is 536-22-8741 ok", "SSN"),
        ("SSN: 536228741 ok", "SSN"),
        ("host 192.168.10.20 is down", "IP_ADDRESS"),
        ("host 2001:db8::7334 is down", "IP_ADDRESS"),
        ("key AKIAIOSFODNN7EXAMPLE leaked", "AWS_ACCESS_KEY"),
        ("token ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8 leaked", "SECRET"),
        ("slack xoxb-123456789012-1234567890123-AbCdEfGhIj leaked", "SECRET"),
        ("openai sk-proj-9fK2mQ7xLp4Rt8Vz1Nc6Bw3Hy5Js0Dg2 leaked", "SECRET"),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "SECRET"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "PRIVATE_KEY"),
        ("write to bob.smith (at) mail (dot) example (dot) com", "EMAIL"),
        ("dial 1 (415) 555-0132 now", "PHONE"),
        ("dial 1.888.555.0147 now", "PHONE"),
        ("mobiel 06 98765432 graag", "PHONE"),
        ("iban de89 3704 0044 0532 0130 00 thanks", "IBAN"),
        ("hook https://hooks.slack.com/services/T0001AAAA/B0002BBBB/xyzXYZ0123456789abcdAB", "SECRET"),
        ("NPM_TOKEN=npm_Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2 in ci", "SECRET"),
        ("key SG.Zm9vYmFyYmF6cXV4MTIz.YmF6cXV4Zm9vYmFyMTIzNDU2Nzg5MGFiY2RlZg leaked", "SECRET"),
        ("client_secret: Q2xpZW50U2VjcmV0MTIz in the config", "SECRET"),
    ],
)
def test_each_entity_is_found_and_redacted(text: str, label: str) -> None:
    # when
    spans = find_pii(text)
    # then
    assert [span.label for span in spans] == [label]
    assert f"[{label}]" in redact_pii(text)


@pytest.mark.parametrize(
    "text",
    [
        "pay with 4111 1111 1111 1112 now",  # Luhn fails
        "iban GB82 WEST 1234 5698 7654 33 please",  # mod-97 fails
        "arXiv 2509.25174 reports 55 tasks in 2024-01-15",
        "Section 3.2.1.4 and version 2.1.0.3 of the code",
        "trained 175000000000 parameters with seed 20240115",
        "What is retrieval-augmented generation?",
        "the password is weak and the token budget is 512",
        "iban de89 3704 0044 0532 0130 01 thanks",  # lower case, but mod-97 fails
        "the server answers on ::1 and 127.0.0.1",  # loopback: every machine's own address
        "we meet at noon, look at example dot com",  # "at" and "dot" as words, not an address
    ],
)
def test_look_alikes_are_left_alone(text: str) -> None:
    assert find_pii(text) == []
    assert redact_pii(text) == text


def test_redaction_keeps_the_sentence_readable() -> None:
    text = "Mail bob@example.com or call (555) 123-4567 about card 4111-1111-1111-1111."
    assert redact_pii(text) == "Mail [EMAIL] or call [PHONE] about card [CARD]."


def test_guard_reports_counts_and_respects_the_entity_list() -> None:
    text = "a@example.com and b@example.com from 10.1.2.3"
    detection = PiiGuard().inspect(text)
    assert detection.triggered
    assert detection.reasons == ("EMAIL: 2 found", "IP_ADDRESS: 1 found")
    assert detection.redacted == "[EMAIL] and [EMAIL] from [IP_ADDRESS]"
    emails_only = PiiGuard(["email"]).inspect(text)
    assert emails_only.redacted == "[EMAIL] and [EMAIL] from 10.1.2.3"
    assert not PiiGuard().inspect("What is GRPO?").triggered


def test_a_sentence_full_stop_ends_a_number() -> None:
    assert redact_pii("Card 4111 1111 1111 1111. Host 10.1.2.3.") == "Card [CARD]. Host [IP_ADDRESS]."
