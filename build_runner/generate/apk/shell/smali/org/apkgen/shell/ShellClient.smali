# Keeps the app's own pages (file:///android_asset/) inside the WebView. Every other URL goes
# through allowedIntent, the one allow-list of what a page may open outside the app: event data
# can put any link in a page, so nothing else is ever started. The same rule, in Python, with
# its table of allowed and refused URLs: build_runner/generate/apk/intent_rule.py.
.class public Lorg/apkgen/shell/ShellClient;
.super Landroid/webkit/WebViewClient;
.source "ShellClient.smali"

.field private final activity:Landroid/app/Activity;

.method public constructor <init>(Landroid/app/Activity;)V
    .registers 2
    invoke-direct {p0}, Landroid/webkit/WebViewClient;-><init>()V
    iput-object p1, p0, Lorg/apkgen/shell/ShellClient;->activity:Landroid/app/Activity;
    return-void
.end method

# Android 7+ calls the WebResourceRequest variant, whose default implementation calls this one.
# true = the WebView does not load the URL: only the app's own pages are loaded.
.method public shouldOverrideUrlLoading(Landroid/webkit/WebView;Ljava/lang/String;)Z
    .registers 6
    if-eqz p2, :not_loaded
    const-string v0, "file:///android_asset/"
    invoke-virtual {p2, v0}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v0
    if-eqz v0, :outside
    const/4 v0, 0x0
    return v0

    :outside
    invoke-static {p2}, Lorg/apkgen/shell/ShellClient;->allowedIntent(Ljava/lang/String;)Landroid/content/Intent;
    move-result-object v0
    if-eqz v0, :not_loaded
    # Never an explicit target, whatever built the intent.
    const/4 v1, 0x0
    invoke-virtual {v0, v1}, Landroid/content/Intent;->setComponent(Landroid/content/ComponentName;)Landroid/content/Intent;
    invoke-virtual {v0, v1}, Landroid/content/Intent;->setSelector(Landroid/content/Intent;)V
    iget-object v1, p0, Lorg/apkgen/shell/ShellClient;->activity:Landroid/app/Activity;

    :try_start
    invoke-virtual {v1, v0}, Landroid/app/Activity;->startActivity(Landroid/content/Intent;)V
    :try_end
    .catch Landroid/content/ActivityNotFoundException; {:try_start .. :try_end} :not_loaded
    .catch Ljava/lang/SecurityException; {:try_start .. :try_end} :not_loaded

    # Nothing handles it (or it was refused): the page stays as it is.
    :not_loaded
    const/4 v0, 0x1
    return v0
.end method

# The intent a URL may start, or null. A fresh intent every time, holding only what the rule
# allows:
#   geo:, http:, https:, mailto:  VIEW of the URL, category BROWSABLE (maps, browser, mail)
#   intent: (Intent.parseUri, URI_INTENT_SCHEME) naming no package, component, selector or
#   data, and then only
#     INSERT  type vnd.android.cursor.dir/event  title, eventLocation, description (strings),
#                                                beginTime, endTime (longs)   (add to calendar)
#     SEND    type text/plain   android.intent.extra.SUBJECT, android.intent.extra.TEXT
#                               (strings), through the system's chooser      (share)
# Other extras, categories and flags of the URL are dropped; anything else is refused.
.method public static allowedIntent(Ljava/lang/String;)Landroid/content/Intent;
    .registers 6
    const-string v1, "intent:"
    invoke-virtual {p0, v1}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v1
    if-nez v1, :intent_uri

    const-string v1, "geo:"
    invoke-virtual {p0, v1}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v1
    if-nez v1, :view
    const-string v1, "http:"
    invoke-virtual {p0, v1}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v1
    if-nez v1, :view
    const-string v1, "https:"
    invoke-virtual {p0, v1}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v1
    if-nez v1, :view
    const-string v1, "mailto:"
    invoke-virtual {p0, v1}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v1
    if-nez v1, :view
    goto :refused

    :view
    new-instance v0, Landroid/content/Intent;
    const-string v1, "android.intent.action.VIEW"
    invoke-static {p0}, Landroid/net/Uri;->parse(Ljava/lang/String;)Landroid/net/Uri;
    move-result-object v2
    invoke-direct {v0, v1, v2}, Landroid/content/Intent;-><init>(Ljava/lang/String;Landroid/net/Uri;)V
    const-string v1, "android.intent.category.BROWSABLE"
    invoke-virtual {v0, v1}, Landroid/content/Intent;->addCategory(Ljava/lang/String;)Landroid/content/Intent;
    return-object v0

    :intent_uri
    const/4 v1, 0x1
    :parse_start
    invoke-static {p0, v1}, Landroid/content/Intent;->parseUri(Ljava/lang/String;I)Landroid/content/Intent;
    move-result-object v0
    :parse_end
    .catch Ljava/lang/Exception; {:parse_start .. :parse_end} :refused

    invoke-virtual {v0}, Landroid/content/Intent;->getPackage()Ljava/lang/String;
    move-result-object v1
    if-nez v1, :refused
    invoke-virtual {v0}, Landroid/content/Intent;->getComponent()Landroid/content/ComponentName;
    move-result-object v1
    if-nez v1, :refused
    invoke-virtual {v0}, Landroid/content/Intent;->getSelector()Landroid/content/Intent;
    move-result-object v1
    if-nez v1, :refused
    invoke-virtual {v0}, Landroid/content/Intent;->getData()Landroid/net/Uri;
    move-result-object v1
    if-nez v1, :refused
    invoke-virtual {v0}, Landroid/content/Intent;->getAction()Ljava/lang/String;
    move-result-object v3
    invoke-virtual {v0}, Landroid/content/Intent;->getType()Ljava/lang/String;
    move-result-object v4

    const-string v1, "android.intent.action.INSERT"
    invoke-virtual {v1, v3}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v2
    if-eqz v2, :not_insert
    const-string v2, "vnd.android.cursor.dir/event"
    invoke-virtual {v2, v4}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v3
    if-eqz v3, :refused
    new-instance v3, Landroid/content/Intent;
    invoke-direct {v3, v1}, Landroid/content/Intent;-><init>(Ljava/lang/String;)V
    invoke-virtual {v3, v2}, Landroid/content/Intent;->setType(Ljava/lang/String;)Landroid/content/Intent;
    const-string v1, "title"
    invoke-static {v0, v3, v1}, Lorg/apkgen/shell/ShellClient;->copyString(Landroid/content/Intent;Landroid/content/Intent;Ljava/lang/String;)V
    const-string v1, "eventLocation"
    invoke-static {v0, v3, v1}, Lorg/apkgen/shell/ShellClient;->copyString(Landroid/content/Intent;Landroid/content/Intent;Ljava/lang/String;)V
    const-string v1, "description"
    invoke-static {v0, v3, v1}, Lorg/apkgen/shell/ShellClient;->copyString(Landroid/content/Intent;Landroid/content/Intent;Ljava/lang/String;)V
    const-string v1, "beginTime"
    invoke-static {v0, v3, v1}, Lorg/apkgen/shell/ShellClient;->copyLong(Landroid/content/Intent;Landroid/content/Intent;Ljava/lang/String;)V
    const-string v1, "endTime"
    invoke-static {v0, v3, v1}, Lorg/apkgen/shell/ShellClient;->copyLong(Landroid/content/Intent;Landroid/content/Intent;Ljava/lang/String;)V
    return-object v3

    :not_insert
    const-string v1, "android.intent.action.SEND"
    invoke-virtual {v1, v3}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v2
    if-eqz v2, :refused
    const-string v2, "text/plain"
    invoke-virtual {v2, v4}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v3
    if-eqz v3, :refused
    new-instance v3, Landroid/content/Intent;
    invoke-direct {v3, v1}, Landroid/content/Intent;-><init>(Ljava/lang/String;)V
    invoke-virtual {v3, v2}, Landroid/content/Intent;->setType(Ljava/lang/String;)Landroid/content/Intent;
    const-string v1, "android.intent.extra.SUBJECT"
    invoke-static {v0, v3, v1}, Lorg/apkgen/shell/ShellClient;->copyString(Landroid/content/Intent;Landroid/content/Intent;Ljava/lang/String;)V
    const-string v1, "android.intent.extra.TEXT"
    invoke-static {v0, v3, v1}, Lorg/apkgen/shell/ShellClient;->copyString(Landroid/content/Intent;Landroid/content/Intent;Ljava/lang/String;)V
    const/4 v1, 0x0
    invoke-static {v3, v1}, Landroid/content/Intent;->createChooser(Landroid/content/Intent;Ljava/lang/CharSequence;)Landroid/content/Intent;
    move-result-object v3
    return-object v3

    :refused
    const/4 v0, 0x0
    return-object v0
.end method

# to.key = from.key when from has a String there (any other kind is not copied).
.method private static copyString(Landroid/content/Intent;Landroid/content/Intent;Ljava/lang/String;)V
    .registers 4
    invoke-virtual {p0, p2}, Landroid/content/Intent;->getStringExtra(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v0
    if-eqz v0, :done
    invoke-virtual {p1, p2, v0}, Landroid/content/Intent;->putExtra(Ljava/lang/String;Ljava/lang/String;)Landroid/content/Intent;
    :done
    return-void
.end method

# to.key = from.key when from has a long there (Long.MIN_VALUE stands for "none").
.method private static copyLong(Landroid/content/Intent;Landroid/content/Intent;Ljava/lang/String;)V
    .registers 7
    const-wide/high16 v0, -0x8000000000000000L
    invoke-virtual {p0, p2, v0, v1}, Landroid/content/Intent;->getLongExtra(Ljava/lang/String;J)J
    move-result-wide v2
    cmp-long v0, v2, v0
    if-eqz v0, :done
    invoke-virtual {p1, p2, v2, v3}, Landroid/content/Intent;->putExtra(Ljava/lang/String;J)Landroid/content/Intent;
    :done
    return-void
.end method
