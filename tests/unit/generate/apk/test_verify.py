"""What counts as a mismatch: signatures that do not verify, badging that differs."""

from __future__ import annotations

from build_runner.generate.apk.aapt import Badging
from build_runner.generate.apk.identity import Identity
from build_runner.generate.apk.signer import Verification
from build_runner.generate.apk.verify import badging_problems, signature_problems

# What aapt reads back from the APK built for "org.example.ev" (the badging test_aapt.py parses).
FOUND = Badging(
    package="org.example.ev", version_code="42", version_name="1.0.2",
    label="Tom's \"Conf\" @2024 \\ <&> 🎉",
    launchable_activity="org.apkgen.shell.MainActivity", min_sdk="21", target_sdk="33",
    densities=("160", "240", "320", "480", "640"),
)


def test_signature_problems_name_each_failing_scheme() -> None:
    assert signature_problems(Verification(True, True, True, True)) == []
    assert signature_problems(Verification(False, True, False, False, "", ("ERROR: x",))) == [
        "the APK does not verify", "v2 signature does not verify",
        "v3 signature does not verify", "ERROR: x"]


def test_badging_problems_name_each_difference() -> None:
    who = Identity("org.example.ev", "Tom's \"Conf\" @2024 \\ <&> 🎉", 42, "1.0.2")
    assert badging_problems(FOUND, who) == []
    other = Identity("org.example.other", "Label", 43, "1.0.2")
    assert badging_problems(FOUND, other) == [
        "package is 'org.example.ev', expected 'org.example.other'",
        "label is 'Tom\\'s \"Conf\" @2024 \\\\ <&> 🎉', expected 'Label'",
        "version_code is '42', expected '43'",
    ]
