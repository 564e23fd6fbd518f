"""The table of URLs a page of the generated app may navigate to, and what the shell does with
each: the spec of ``ShellClient.allowedIntent`` (``build_runner/generate/apk/intent_rule.py``).

Read by the rule's unit tests (each row, decided in Python) and by the dex's test (the actions,
types and extras of the allowed rows are what the assembled handler names; the actions and
schemes of the refused rows appear nowhere in it).
"""

from __future__ import annotations

from build_runner.generate.apk.intent_rule import (
    BROWSABLE,
    EXTRA_SUBJECT,
    EXTRA_TEXT,
    INSERT,
    SEND,
    VIEW,
    Decision,
    Launch,
    Load,
    Refuse,
)

CALENDAR_URL = (
    "intent:#Intent;action=android.intent.action.INSERT;type=vnd.android.cursor.dir/event;"
    "S.title=Opening%20keynote%3A%20WebViews%20%26%20you;l.beginTime=1714546800000;"
    "l.endTime=1714550400000;S.eventLocation=Room%20A%3B%20floor%202;"
    "S.description=Tom%27s%20%22Conf%22%20%F0%9F%8E%89;end"
)
CALENDAR = Launch(INSERT, type="vnd.android.cursor.dir/event", extras=(
    ("beginTime", 1714546800000), ("description", "Tom's \"Conf\" 🎉"),
    ("endTime", 1714550400000), ("eventLocation", "Room A; floor 2"),
    ("title", "Opening keynote: WebViews & you")))
SHARE_URL = (
    "intent:#Intent;action=android.intent.action.SEND;type=text/plain;"
    "S.android.intent.extra.SUBJECT=Smali%20by%20hand;"
    "S.android.intent.extra.TEXT=Smali%20by%20hand%2C%20May%201%2C%2010%3A00;end"
)
SHARE = Launch(SEND, type="text/plain", chooser=True, extras=(
    (EXTRA_SUBJECT, "Smali by hand"), (EXTRA_TEXT, "Smali by hand, May 1, 10:00")))


def view(url: str) -> Launch:
    return Launch(VIEW, data=url, categories=(BROWSABLE,))


# (url, what the shell does). A Refuse row's reason is the start of the rule's reason.
CASES: list[tuple[str, Decision]] = [
    # The app's own pages stay in the WebView.
    ("file:///android_asset/index.html", Load()),
    ("file:///android_asset/index.html#/session/12", Load()),
    # The three forms the web app uses.
    (CALENDAR_URL, CALENDAR),
    (SHARE_URL, SHARE),
    ("geo:52.5200,13.4050?q=Room%20A%2C%20Berlin",
     view("geo:52.5200,13.4050?q=Room%20A%2C%20Berlin")),
    ("geo:0,0?q=1600+Amphitheatre+Parkway", view("geo:0,0?q=1600+Amphitheatre+Parkway")),
    # Links of the event data: the browser, mail.
    ("https://example.org/talk?id=1", view("https://example.org/talk?id=1")),
    ("http://example.org/", view("http://example.org/")),
    ("mailto:org@example.org", view("mailto:org@example.org")),
    # An allowed intent keeps only its allowed extras, of the allowed kind: no fallback URL,
    # no categories or flags, a title that is not a String is dropped, a long that is not.
    ("intent:#Intent;action=android.intent.action.SEND;type=text/plain;"
     "S.android.intent.extra.TEXT=hi;S.browser_fallback_url=javascript%3Aalert(1);"
     "category=android.intent.category.LAUNCHER;launchFlags=0x10000043;"
     "S.android.intent.extra.STREAM=content%3A%2F%2Fcom.x%2Fsecret;end",
     Launch(SEND, type="text/plain", chooser=True, extras=((EXTRA_TEXT, "hi"),))),
    ("intent:#Intent;action=android.intent.action.INSERT;type=vnd.android.cursor.dir/event;"
     "i.title=3;S.beginTime=soon;l.endTime=1;B.allDay=true;S.rrule=FREQ%3DDAILY;end",
     Launch(INSERT, type="vnd.android.cursor.dir/event", extras=(("endTime", 1),))),
    ("intent:#Intent;action=android.intent.action.SEND;type=text/plain;end",
     Launch(SEND, type="text/plain", chooser=True)),
    # Hostile: naming a target, another action, another type, a selector, data.
    ("intent:#Intent;component=com.evil/.X;end", Refuse("the intent names a component")),
    ("intent:#Intent;action=android.intent.action.SEND;type=text/plain;component=com.evil/.X;end",
     Refuse("the intent names a component")),
    ("intent:#Intent;action=android.intent.action.VIEW;"
     "S.browser_fallback_url=javascript%3Aalert(document.cookie);end",
     Refuse("action android.intent.action.VIEW is not allowed")),
    ("intent://evil#Intent;scheme=http;package=com.x;end", Refuse("the intent names a package")),
    ("intent://evil#Intent;scheme=http;end", Refuse("the intent names data")),
    ("intent:#Intent;action=android.intent.action.SEND;type=text/plain;package=com.x;end",
     Refuse("the intent names a package")),
    ("intent:#Intent;action=android.intent.action.CALL;S.number=%2B15550100;end",
     Refuse("action android.intent.action.CALL is not allowed")),
    ("intent:tel:%2B15550100#Intent;action=android.intent.action.CALL;end",
     Refuse("the intent names data")),
    ("intent:#Intent;action=android.intent.action.DELETE;end",
     Refuse("action android.intent.action.DELETE is not allowed")),
    ("intent:#Intent;action=android.intent.action.SEND;type=*/*;end",
     Refuse("android.intent.action.SEND only with type text/plain")),
    ("intent:#Intent;action=android.intent.action.SEND;end",
     Refuse("android.intent.action.SEND only with type text/plain")),
    ("intent:#Intent;action=android.intent.action.INSERT;type=vnd.android.cursor.dir/contact;end",
     Refuse("android.intent.action.INSERT only with type vnd.android.cursor.dir/event")),
    ("intent:#Intent;action=android.intent.action.INSERT;end",
     Refuse("android.intent.action.INSERT only with type vnd.android.cursor.dir/event")),
    ("intent:#Intent;action=android.intent.action.SEND;type=text/plain;SEL;"
     "component=com.evil/.X;end", Refuse("the intent names a selector")),
    ("intent:content://com.x/secret#Intent;action=android.intent.action.SEND;type=text/plain;end",
     Refuse("the intent names data")),
    ("intent:#Intent;end", Refuse("action android.intent.action.VIEW is not allowed")),
    # intent: URLs Android cannot read, or reads as a VIEW of data.
    ("intent:#Intent;action=android.intent.action.SEND;type=text/plain;l.beginTime=x;end",
     Refuse("unreadable intent: URL")),
    ("intent:#Intent;action=android.intent.action.SEND;type=text/plain;launchFlags=oops;end",
     Refuse("unreadable intent: URL")),
    ("intent:#Intent;action=android.intent.action.SEND;type=text/plain;X.k=v;end",
     Refuse("unreadable intent: URL")),
    ("intent:#Intent;action=android.intent.action.SEND", Refuse("unreadable intent: URL")),
    ("intent:https://example.org/", Refuse("unreadable intent: URL")),
    ("intent:#Other;action=android.intent.action.SEND;end", Refuse("unreadable intent: URL")),
    # Schemes that never leave nor enter the app.
    ("file:///", Refuse("not a scheme the app opens")),
    ("file:///data/data/org.example.app/shared_prefs/x.xml", Refuse("not a scheme the app opens")),
    ("file:///sdcard/Download/evil.html", Refuse("not a scheme the app opens")),
    ("content://com.android.contacts/contacts", Refuse("not a scheme the app opens")),
    ("content://", Refuse("not a scheme the app opens")),
    ("javascript:alert(1)", Refuse("not a scheme the app opens")),
    ("data:text/html,<script>alert(1)</script>", Refuse("not a scheme the app opens")),
    ("tel:+15550100", Refuse("not a scheme the app opens")),
    ("sms:+15550100", Refuse("not a scheme the app opens")),
    ("market://details?id=com.evil", Refuse("not a scheme the app opens")),
    ("android-app://com.evil/https/x", Refuse("not a scheme the app opens")),
    ("about:blank", Refuse("not a scheme the app opens")),
    ("ftp://example.org/", Refuse("not a scheme the app opens")),
    ("GEO:0,0", Refuse("not a scheme the app opens")),
    ("", Refuse("not a scheme the app opens")),
]
