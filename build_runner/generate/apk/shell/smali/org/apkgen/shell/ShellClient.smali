# Keeps the app's own pages (file:) inside the WebView; every other link (http, https, mailto,
# tel, geo ...) opens in the app that handles it, through a VIEW intent.
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
.method public shouldOverrideUrlLoading(Landroid/webkit/WebView;Ljava/lang/String;)Z
    .registers 6
    if-eqz p2, :in_app
    const-string v0, "file:"
    invoke-virtual {p2, v0}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v0
    if-nez v0, :in_app

    new-instance v0, Landroid/content/Intent;
    const-string v1, "android.intent.action.VIEW"
    invoke-static {p2}, Landroid/net/Uri;->parse(Ljava/lang/String;)Landroid/net/Uri;
    move-result-object v2
    invoke-direct {v0, v1, v2}, Landroid/content/Intent;-><init>(Ljava/lang/String;Landroid/net/Uri;)V
    iget-object v1, p0, Lorg/apkgen/shell/ShellClient;->activity:Landroid/app/Activity;

    :try_start
    invoke-virtual {v1, v0}, Landroid/app/Activity;->startActivity(Landroid/content/Intent;)V
    :try_end
    .catch Landroid/content/ActivityNotFoundException; {:try_start .. :try_end} :no_handler

    const/4 v0, 0x1
    return v0

    # Nothing handles the link: let the WebView try it itself.
    :no_handler
    :in_app
    const/4 v0, 0x0
    return v0
.end method
