"""apkgen's build runner: takes build jobs, generates the event app, streams the build log.

The generation itself (``build_runner.generate``) is a library with no AWS in it; the runner
(``build_runner.runner``) carries jobs from SQS to it and its log lines to the viewers.
"""
