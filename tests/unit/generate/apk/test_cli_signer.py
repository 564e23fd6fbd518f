"""Reading ``apksigner verify --verbose --print-certs``: which schemes verify, the certificate."""

from __future__ import annotations

from build_runner.generate.apk.cli_signer import parse_apksigner_verify

VERIFY = """Verifies
Verified using v1 scheme (JAR signing): true
Verified using v2 scheme (APK Signature Scheme v2): true
Verified using v3 scheme (APK Signature Scheme v3): false
Verified using v4 scheme (APK Signature Scheme v4): false
Number of signers: 1
Signer #1 certificate DN: CN=apkgen
Signer #1 certificate SHA-256 digest: 77b4
""".splitlines()


def test_parses_apksigner_verify_per_scheme() -> None:
    result = parse_apksigner_verify(VERIFY)
    assert (result.verified, result.v1, result.v2, result.v3) == (True, True, True, False)
    assert result.cert_sha256 == "77b4"
    assert not result.ok
