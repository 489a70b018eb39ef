"""The security headers every answer carries: a strict Content-Security-Policy and Django's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

POLICY = {
    "default-src": "'self'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
}


def _policy(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/ledgers", "/federations/", "/accounts/sign-in", "/nowhere", "/api/openapi.json"]
)
def test_every_answer_carries_the_content_security_policy_and_the_security_headers(client, path):
    answer = client.get(path)
    assert answer.status_code in {200, 404}, answer.status_code
    assert _policy(answer["Content-Security-Policy"]) == POLICY
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer["X-Frame-Options"] == "DENY"
    # The tests' node has an http public URL: no HSTS, no redirect.
    assert "Strict-Transport-Security" not in answer


@pytest.mark.nodb
def test_no_page_template_carries_inline_script_or_style():
    """What the policy would refuse in a browser, found in the templates themselves."""
    root = Path(__file__).resolve().parents[2] / "src" / "confederal" / "node"
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)
    found = [
        f"{template.relative_to(root)}: {match.group(0).strip()}"
        for template in sorted(root.rglob("*.html"))
        for match in inline.finditer(template.read_text())
    ]
    assert not found, "\n".join(found)
