"""The fan-out's rules, pure: what goes out when (:mod:`.batching`), what a post's answer means
(:mod:`.delivery`) and one build's whole state machine (:mod:`.state`). The runner's
:mod:`build_runner.fanout` carries them out with threads, DynamoDB and ``@connections``."""
