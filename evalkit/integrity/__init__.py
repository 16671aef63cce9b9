"""Procurement integrity: hashes, sealed suites, pre-registration, result bundles, blinding,
attestation answers, vendor self-tests (see docs/integrity.md)."""
