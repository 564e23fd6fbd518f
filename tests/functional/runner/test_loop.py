"""The runner's loop (build_runner.runner.loop) against moto's SQS: an idle runner asked to stop
does not wait out its whole long poll."""

from __future__ import annotations

import threading

from tests.functional.runner.conftest import Stack


def test_an_idle_runner_asked_to_stop_ends_within_one_slice_of_its_long_poll(stack: Stack) -> None:
    # A 20 s long poll in receives of 1 s: before, the stop waited for all of it.
    runner = stack.runner(wait_s=20, stop_check_s=1)
    loop = threading.Thread(target=runner.run, name="runner-loop", daemon=True)
    loop.start()
    threading.Event().wait(0.3)  # inside its first receive
    runner.request_stop()
    loop.join(10)  # a safety bound, half the long poll
    assert not loop.is_alive()


def test_a_job_that_arrives_during_a_sliced_long_poll_is_received(stack: Stack) -> None:
    runner = stack.runner(wait_s=3, stop_check_s=1)
    stack.new_build("b-late", queue=False)
    timer = threading.Timer(1.5, stack.services.queue.send, args=("b-late",))
    timer.start()
    try:
        assert runner.poll_once() == 1  # received in a later slice of the same poll
    finally:
        timer.cancel()
    assert stack.services.builds.get("b-late").status == "succeeded"
