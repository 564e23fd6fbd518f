"""Reading ``aapt dump badging``: what the built APK says, aapt's escaping undone."""

from __future__ import annotations

from build_runner.generate.apk.aapt import Badging, parse_badging, unescape_badging

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
