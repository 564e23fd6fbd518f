"""The shell's intent handler as assembled into a real APK's dex, read back with androguard.

The dex cannot run here (no dalvikvm/ART with an Android framework on this machine), so its
code is checked against the spec instead: the table of URLs (tests/shell_intents.py) and the
allow-list (``build_runner.generate.apk.intent_rule``). ``ShellClient.allowedIntent`` names
exactly the actions, types, extras and schemes the allow-list names, each extra copied as its
kind, the intent: URL read with ``URI_INTENT_SCHEME``; ``shouldOverrideUrlLoading`` clears the
target, starts the intent inside a catch of ActivityNotFoundException and never loads a URL
that is not the app's own; no method sets flags or copies whole bundles.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from androguard.core.apk import APK
from androguard.core.dex import DEX, EncodedMethod

from build_runner.generate.apk import intent_rule as rule
from build_runner.generate.pipeline import Generator
from tests.functional.generate.hand_made import build
from tests.shell_intents import CASES

pytestmark = pytest.mark.toolchain

CLIENT = "Lorg/apkgen/shell/ShellClient;"
INTENT = "Landroid/content/Intent;"


@dataclass(frozen=True)
class Ins:
    at: int  # in 16-bit code units, as the dex's try ranges count
    name: str
    args: tuple[str, ...]  # registers, then the literal, string or reference

    @property
    def ref(self) -> str:
        """The method or field an invoke or field access names, without androguard's spaces."""
        return self.args[-1].replace(" ", "")

    @property
    def string(self) -> str:
        assert self.name.startswith("const-string")
        return self.args[-1][1:-1]


def instructions(method: EncodedMethod) -> list[Ins]:
    out, at = [], 0
    for ins in method.get_instructions():
        text = ins.get_output()
        if ins.get_name().startswith("const-string"):  # the string may hold ", "
            args = tuple(text.split(", ", 1))
        else:
            args = tuple(text.split(", "))
        out.append(Ins(at, ins.get_name(), args))
        at += ins.get_length() // 2
    return out


@dataclass(frozen=True)
class Shell:
    dex: DEX
    methods: dict[str, EncodedMethod]  # "Class;->name" → method

    def code(self, name: str, cls: str = CLIENT) -> list[Ins]:
        return instructions(self.methods[f"{cls}->{name}"])

    def calls(self, name: str, cls: str = CLIENT) -> list[str]:
        return [i.ref for i in self.code(name, cls) if i.name.startswith("invoke")]

    def strings(self, name: str, cls: str = CLIENT) -> list[str]:
        return [i.string for i in self.code(name, cls) if i.name.startswith("const-string")]


@pytest.fixture(scope="module")
def shell(generator: Generator, tmp_path_factory: pytest.TempPathFactory) -> Shell:
    apk_path = tmp_path_factory.mktemp("shell") / "app.apk"
    build(generator, apk_path)
    dex = DEX(APK(str(apk_path)).get_dex())
    methods = {f"{c.get_name()}->{m.get_name()}": m for c in dex.get_classes()
               for m in c.get_methods()}
    return Shell(dex, methods)


def allowed_strings() -> set[str]:
    """Every string the allow-list names: what allowedIntent may hold, and must."""
    names = {"intent:", rule.VIEW, rule.BROWSABLE}
    names |= {scheme + ":" for scheme in rule.VIEW_SCHEMES}
    for allowed in rule.INTENTS:
        names |= {allowed.action, allowed.type, *allowed.strings, *allowed.longs}
    return names


def test_the_handler_is_a_static_method_from_a_url_to_an_intent(shell: Shell) -> None:
    method = shell.methods[f"{CLIENT}->allowedIntent"]
    assert method.get_descriptor() == "(Ljava/lang/String;)Landroid/content/Intent;"
    assert method.get_access_flags_string() == "public static"


def test_the_handler_names_exactly_what_the_allow_list_names(shell: Shell) -> None:
    named = set(shell.strings("allowedIntent"))
    assert named == allowed_strings()
    for url, decision in CASES:  # and so what each allowed URL of the table starts
        if isinstance(decision, rule.Launch):
            needed = {decision.action, *decision.categories, *(k for k, _ in decision.extras)}
            needed |= {decision.type} if decision.type else {url.split(":")[0] + ":"}
            assert needed <= named, url


def test_each_allowed_extra_is_copied_as_its_kind_and_nothing_else_is(shell: Shell) -> None:
    copied: dict[str, str] = {}
    pending: str | None = None
    for ins in shell.code("allowedIntent"):
        if ins.name.startswith("const-string"):
            pending = ins.string
        elif ins.name == "invoke-static" and "->copy" in ins.ref and pending is not None:
            copied[pending] = ins.ref.split("->")[1].split("(")[0]
    expected = {key: "copyString" for a in rule.INTENTS for key in a.strings}
    expected |= {key: "copyLong" for a in rule.INTENTS for key in a.longs}
    assert copied == expected
    assert f"{INTENT}->getStringExtra(Ljava/lang/String;)Ljava/lang/String;" in shell.calls(
        "copyString")
    long_code = shell.code("copyLong")
    assert f"{INTENT}->getLongExtra(Ljava/lang/String;J)J" in shell.calls("copyLong")
    assert long_code[0].name == "const-wide/high16" and int(long_code[0].args[-1]) == -(2 ** 63)


def test_intent_urls_are_read_with_uri_intent_scheme_and_their_targets_refused(
        shell: Shell) -> None:
    code = shell.code("allowedIntent")
    parse = next(n for n, i in enumerate(code) if i.name == "invoke-static" and i.ref == (
        f"{INTENT}->parseUri(Ljava/lang/String;I){INTENT}"))
    flags_register = code[parse].args[1]
    setter = next(i for i in reversed(code[:parse]) if i.args and i.args[0] == flags_register)
    assert setter.name == "const/4" and int(setter.args[1]) == rule.URI_INTENT_SCHEME
    calls = shell.calls("allowedIntent")
    for getter in ("getPackage()Ljava/lang/String;", "getComponent()Landroid/content/"
                   "ComponentName;", f"getSelector(){INTENT}", "getData()Landroid/net/Uri;"):
        assert f"{INTENT}->{getter}" in calls
    assert f"{INTENT}->addCategory(Ljava/lang/String;){INTENT}" in calls
    assert (f"{INTENT}->createChooser({INTENT}Ljava/lang/CharSequence;){INTENT}" in calls) == any(
        a.chooser for a in rule.INTENTS)


def test_what_the_table_refuses_is_named_nowhere_in_the_handler(shell: Shell) -> None:
    named = set(shell.strings("allowedIntent"))
    refused_actions = {d.reason.split()[1] for _, d in CASES if isinstance(d, rule.Refuse)
                       and d.reason.startswith("action ")} - {rule.VIEW}
    refused_schemes = {url.split(":")[0] + ":" for url, d in CASES if isinstance(d, rule.Refuse)
                       and d.reason.startswith("not a scheme") and ":" in url}
    assert refused_actions >= {"android.intent.action.CALL"}
    assert refused_schemes >= {"file:", "content:", "javascript:"}
    assert not named & (refused_actions | refused_schemes)
    every_string = {str(s) for s in shell.dex.get_strings()}
    assert not every_string & refused_actions


def test_the_page_loads_only_its_own_files_and_starts_intents_inside_a_catch(
        shell: Shell) -> None:
    assert shell.strings("shouldOverrideUrlLoading") == [rule.ASSET_PREFIX]
    code = shell.code("shouldOverrideUrlLoading")
    calls = [i.ref for i in code if i.name.startswith("invoke")]
    assert calls.index(f"{CLIENT}->allowedIntent(Ljava/lang/String;){INTENT}") < calls.index(
        "Landroid/app/Activity;->startActivity(Landroid/content/Intent;)V")
    for clear in (f"setComponent(Landroid/content/ComponentName;){INTENT}",
                  f"setSelector({INTENT})V"):
        assert f"{INTENT}->{clear}" in calls
    start = next(i for i in code if i.ref.endswith("->startActivity(Landroid/content/Intent;)V"))
    method = shell.methods[f"{CLIENT}->shouldOverrideUrlLoading"].get_code()
    (tried,) = [t for t in method.tries
                if t.get_start_addr() <= start.at < t.get_start_addr() + t.get_insn_count()]
    handlers = method.handlers
    (caught,) = [h for h in handlers.get_list()
                 if h.get_off() - handlers.get_off() == tried.get_handler_off()]
    types = {shell.dex.get_cm_type(p.get_type_idx()): p.get_addr() for p in caught.get_handlers()}
    assert "Landroid/content/ActivityNotFoundException;" in types
    # Every way out but the app's own page answers true (not loaded): the catch lands there too.
    returns = [(n, i) for n, i in enumerate(code) if i.name == "return"]
    literals = {i.at: int(code[n - 1].args[1]) for n, i in returns}
    assert sorted(literals.values()) == [0, 1]
    not_loaded = next(code[n - 1].at for n, i in returns if literals[i.at] == 1)
    assert set(types.values()) == {not_loaded}


def test_no_method_sets_flags_a_package_or_copies_a_whole_bundle(shell: Shell) -> None:
    every_call = {ref.split("->")[1].split("(")[0] for name in shell.methods
                  for ref in shell.calls(name.split("->")[1], name.split("->")[0])}
    forbidden = {"addFlags", "setFlags", "setPackage", "setClassName", "setClass", "putExtras",
                 "replaceExtras", "getExtras", "fillIn", "setData", "setDataAndType",
                 "grantUriPermission"}
    assert not every_call & forbidden
    assert not [s for s in map(str, shell.dex.get_strings()) if "GRANT" in s]


def test_the_user_agent_says_the_page_runs_in_the_shell(shell: Shell) -> None:
    main = "Lorg/apkgen/shell/MainActivity;"
    assert " apkgen-shell" in shell.strings("onCreate", main)
    calls = shell.calls("onCreate", main)
    get = calls.index("Landroid/webkit/WebSettings;->getUserAgentString()Ljava/lang/String;")
    concat = calls.index("Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;")
    put = calls.index("Landroid/webkit/WebSettings;->setUserAgentString(Ljava/lang/String;)V")
    assert get < concat < put < calls.index(
        "Landroid/webkit/WebView;->loadUrl(Ljava/lang/String;)V")
