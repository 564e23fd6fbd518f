"""The SQS build runner: ``python -m build_runner run``.

Up to ``RunnerConfig.concurrency`` jobs at a time per process (one per core unless
``APKGEN_RUNNER_CONCURRENCY`` or ``--concurrency`` says otherwise); several processes (or
machines) share the queue. Modules: :mod:`.outcome` (pure: what a finished, failed or abandoned
build records), :mod:`.watch` (the heartbeat thread, the cached cancel check and the step
tracker), :mod:`.email` (the optional SES notice), :mod:`.job` (one claimed build from download
to final status), :mod:`.slots` (the build threads and how many jobs a receive takes),
:mod:`.loop` (receiving, claiming, retries, the dead-letter queue, shutdown) and :mod:`.cli`.

Exceptions: the runner raises :class:`build_runner.errors.RunnerError` for its own bookkeeping
failures (SQS/DynamoDB/S3, with the AWS code); the generator's ``InputError``,
``ToolchainError`` and ``BuildCancelled`` end a build as ``failed`` or ``cancelled``.
"""
