"""The supervisor starts dead parts again, with a delay that grows while they keep dying."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from local_stack.supervisor import MAX_DELAY_S, STABLE_S, Supervisor, restart_delay_s


def test_the_delay_doubles_from_half_a_second_up_to_thirty() -> None:
    assert [restart_delay_s(n) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert restart_delay_s(20) == MAX_DELAY_S


@dataclass
class Process:
    returncode: int | None = None


@dataclass
class Part:
    name: str
    started_at: float = 0.0
    process: Process = field(default_factory=Process)

    @property
    def alive(self) -> bool:
        return self.process.returncode is None


@dataclass
class Stack:
    """Stands in for LocalStack: its parts, and ``restart`` starting a fresh one."""

    clock: list[float]
    moto: Part = field(default_factory=lambda: Part("moto"))
    local_ws: Part = field(default_factory=lambda: Part("local_ws"))
    http: Part = field(default_factory=lambda: Part("http"))
    runners: list[Part] = field(default_factory=lambda: [Part("runner-1")])
    restarted: list[str] = field(default_factory=list)

    def restart(self, child: Part) -> Part:
        new = Part(child.name, started_at=self.clock[0])
        for attr in ("moto", "local_ws", "http"):
            if getattr(self, attr) is child:
                setattr(self, attr, new)
        self.runners = [new if r is child else r for r in self.runners]
        self.restarted.append(child.name)
        return new


def supervised() -> tuple[Supervisor, Any, list[float], list[str]]:
    clock = [100.0]
    stack = Stack(clock)
    lines: list[str] = []
    supervisor = Supervisor(
        stack,  # type: ignore[arg-type]
        output=lambda name, line: lines.append(f"[{name}] {line}"),
        clock=lambda: clock[0],
    )
    return supervisor, stack, clock, lines


def test_a_dead_part_is_announced_then_started_again_after_its_delay() -> None:
    supervisor, stack, clock, lines = supervised()
    stack.local_ws.process.returncode = -9
    supervisor.check()
    assert lines == ["[local_stack] local_ws exited with status -9; starting it again in 0.5 s "
                     "(restart 1)"]  # fmt: skip
    assert stack.restarted == []
    clock[0] += 0.5
    supervisor.check()
    assert stack.restarted == ["local_ws"] and stack.local_ws.alive
    assert lines[-1].startswith("[local_stack] local_ws is back")


def test_a_part_that_keeps_dying_waits_longer_each_time() -> None:
    supervisor, stack, clock, lines = supervised()
    for _ in range(3):
        stack.runners[0].process.returncode = 1
        supervisor.check()
        clock[0] += 10
        supervisor.check()
    delays = [line.split(" in ")[1].split(" s")[0] for line in lines if "exited" in line]
    assert delays == ["0.5", "1.0", "2.0"]


def test_a_part_that_stayed_up_starts_again_quickly_after_its_next_death() -> None:
    supervisor, stack, clock, lines = supervised()
    stack.moto.process.returncode = -9
    supervisor.check()
    clock[0] += 1
    supervisor.check()
    clock[0] += STABLE_S + 1
    supervisor.check()
    stack.moto.process.returncode = -9
    supervisor.check()
    assert lines[-1].endswith("starting it again in 0.5 s (restart 1)")
