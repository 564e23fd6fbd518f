"""The APK toolchain: one event's web app becomes a signed, verified Android app.

Modules, in the order a build uses them:

- ``identity``  package name, label and version (pure)
- ``dex``       the smali shell in ``shell/`` assembled once with apktool, cached
- ``resources`` manifest, ``strings.xml`` (escaped label), launcher icons
- ``aapt``      ``aapt package`` + ``classes.dex``; ``aapt dump badging`` read back
- ``align``     ``zipalign -p -f 4``
- ``keys``      the configured keystore, or a development key created once
- ``signing``   which signer signs: the ``warm_signer`` (one apksig JVM running
                ``java/ApkgenSigner.java``) or the ``cli_signer`` fallback (the apksigner
                command); ``signer`` says what a signer is and what its verification reports
- ``verify``    signatures v1/v2/v3 and badging must match what was built
- ``tools``     running a tool: output streamed to the log, cancellable, ToolchainError on failure

Errors are the build runner's (``build_runner.errors``): ToolchainError, InputError,
BuildCancelled.
"""
