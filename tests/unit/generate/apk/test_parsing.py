"""Reading the tools' output: aapt badging, apksigner verify, and what counts as a mismatch."""

from __future__ import annotations

from build_runner.generate.apk.aapt import Badging, parse_badging, unescape_badging
from build_runner.generate.apk.identity import Identity
from build_runner.generate.apk.signing import Verification, parse_apksigner_verify
from build_runner.generate.apk.verify import badging_problems, signature_problems

BADGING = r"""package: name='org.example.ev' versionCode='42' versionName='1.0.2'
sdkVersion:'21'
targetSdkVersion:'33'
uses-permission: name='android.permission.INTERNET'
application-label:'Tom's \"Conf\" @2024 \\ <&> 🎉'
application-icon-160:'res/mipmap-mdpi-v4/ic_launcher.png'
application: label='Tom's \"Conf\" @2024 \\ <&> 🎉' icon='res/mipmap-mdpi-v4/ic_launcher.png'
launchable-activity: name='org.apkgen.shell.MainActivity'  label='' icon=''
densities: '160' '240' '320' '480' '640'
""".splitlines()

VERIFY = """Verifies
Verified using v1 scheme (JAR signing): true
Verified using v2 scheme (APK Signature Scheme v2): true
Verified using v3 scheme (APK Signature Scheme v3): false
Verified using v4 scheme (APK Signature Scheme v4): false
Number of signers: 1
Signer #1 certificate DN: CN=apkgen
Signer #1 certificate SHA-256 digest: 77b4
""".splitlines()


def test_parses_badging_and_undoes_aapts_escaping_of_the_label() -> None:
    found = parse_badging(BADGING)
    assert found == Badging(
        package="org.example.ev", version_code="42", version_name="1.0.2",
        label="Tom's \"Conf\" @2024 \\ <&> 🎉",
        launchable_activity="org.apkgen.shell.MainActivity", min_sdk="21", target_sdk="33",
        densities=("160", "240", "320", "480", "640"),
    )


def test_unescape_badging_restores_newlines_and_backslashes() -> None:
    assert unescape_badging(r"a\nb\\n\"") == 'a\nb\\n"'


def test_parses_apksigner_verify_per_scheme() -> None:
    result = parse_apksigner_verify(VERIFY)
    assert (result.verified, result.v1, result.v2, result.v3) == (True, True, True, False)
    assert result.cert_sha256 == "77b4"
    assert not result.ok


def test_signature_problems_name_each_failing_scheme() -> None:
    assert signature_problems(Verification(True, True, True, True)) == []
    assert signature_problems(Verification(False, True, False, False, "", ("ERROR: x",))) == [
        "the APK does not verify", "v2 signature does not verify",
        "v3 signature does not verify", "ERROR: x"]


def test_badging_problems_name_each_difference() -> None:
    who = Identity("org.example.ev", "Tom's \"Conf\" @2024 \\ <&> 🎉", 42, "1.0.2")
    assert badging_problems(parse_badging(BADGING), who) == []
    other = Identity("org.example.other", "Label", 43, "1.0.2")
    assert badging_problems(parse_badging(BADGING), other) == [
        "package is 'org.example.ev', expected 'org.example.other'",
        "label is 'Tom\\'s \"Conf\" @2024 \\\\ <&> 🎉', expected 'Label'",
        "version_code is '42', expected '43'",
    ]
