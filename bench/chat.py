"""Conversation scenarios: the first reply to /report and report conversations per second."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.api import BenchAPI, new_message
from bench.plan import LEVEL_TITLE, group, informant

REPLY_TIMEOUT = 30.0
PAUSE = 0.02  # between round trips, so trailing work of one does not delay the next
ROUNDS = 5  # turns of each bot when two rates are compared

One = Callable[[BenchAPI, int, int, int], Awaitable[None]]


async def echo_once(api: BenchAPI, chat: int, user: int, i: int) -> float:
    """One message to the echo bot; seconds until its echo arrived."""
    text = f"ping {i} {time.monotonic_ns()}"
    reply = api.expect(new_message(chat, text))
    started = time.monotonic()
    api.send_message(chat, user, text)
    return (await asyncio.wait_for(reply, REPLY_TIMEOUT)).at - started


async def report_once(api: BenchAPI, chat: int, user: int, i: int) -> float:
    """One /report; seconds until the bot's first reply (the first grading question)."""
    reply = api.expect(new_message(chat, "定级问题 1/2"))
    started = time.monotonic()
    api.send_message(chat, user, f"/report 网帖 {i}")
    return (await asyncio.wait_for(reply, REPLY_TIMEOUT)).at - started


async def conversation(api: BenchAPI, chat: int, user: int, i: int) -> None:
    """A whole report: /report, both grading answers, and the incident card."""
    first = api.expect(new_message(chat, "定级问题 1/2"))
    api.send_message(chat, user, f"/report 网帖 {i}")
    asked = await asyncio.wait_for(first, REPLY_TIMEOUT)
    second = api.expect(new_message(chat, "定级问题 2/2"))
    api.press_button(chat, user, asked.message_id, "50条以内")
    asked = await asyncio.wait_for(second, REPLY_TIMEOUT)
    card = api.expect(new_message(chat, LEVEL_TITLE))
    api.press_button(chat, user, asked.message_id, "否")
    await asyncio.wait_for(card, REPLY_TIMEOUT)


async def round_trips(
    api: BenchAPI, once: Callable[[BenchAPI, int, int, int], Awaitable[float]], n: int, warmup: int
) -> list[float]:
    """``n`` timed round trips after ``warmup`` untimed ones, one at a time, each in its own
    group (PTB's limiter would otherwise hold a group to 20 messages a minute)."""
    times: list[float] = []
    for i in range(warmup + n):
        took = await once(api, group(i), informant(0), i)
        if i >= warmup:
            times.append(took)
        await asyncio.sleep(PAUSE)
    return times


async def paired_round_trips(
    apis: tuple[BenchAPI, BenchAPI],
    once: Callable[[BenchAPI, int, int, int], Awaitable[float]],
    n: int,
    warmup: int,
) -> tuple[list[float], list[float]]:
    """Round trips to two bots (each polling its own fake server) taken in turns, the same
    group for both: a change in the machine's load meets both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(warmup + n):
        for api, sample in zip(apis, times, strict=True):
            took = await once(api, group(i), informant(0), i)
            if i >= warmup:
                sample.append(took)
            await asyncio.sleep(PAUSE)
    return times


@dataclass(frozen=True)
class Rate:
    """How many units were done in how long, with how many Bot API calls."""

    count: int
    seconds: float
    calls: int = 0  # getUpdates left out

    def __add__(self, other: Rate) -> Rate:
        return Rate(
            self.count + other.count, self.seconds + other.seconds, self.calls + other.calls
        )

    @property
    def per_second(self) -> float:
        """Units per second."""
        return self.count / self.seconds

    @property
    def calls_per_second(self) -> float:
        """Bot API calls per second."""
        return self.calls / self.seconds


async def throughput(api: BenchAPI, one: One, total: int, workers: int, first: int) -> Rate:
    """``total`` units by ``workers`` concurrent senders, each unit in its own group."""
    numbers = itertools.count(first)
    last = first + total

    async def worker(k: int) -> None:
        while (i := next(numbers)) < last:
            await one(api, group(i), informant(k), i)

    calls, started = api.calls(), time.monotonic()
    await asyncio.gather(*(worker(k) for k in range(workers)))
    took = time.monotonic() - started
    return Rate(total, took, api.calls() - calls)


async def echo_unit(api: BenchAPI, chat: int, user: int, i: int) -> None:
    """One echo update, untimed."""
    await echo_once(api, chat, user, i)


async def paired_rates(
    apis: tuple[BenchAPI, BenchAPI], units: tuple[One, One], totals: tuple[int, int], workers: int
) -> tuple[Rate, Rate]:
    """Throughput of two bots (each polling its own fake server), measured in ``ROUNDS`` turns
    of each: a change in the machine's load meets both alike."""
    rates = [Rate(0, 0.0), Rate(0, 0.0)]
    for turn in range(ROUNDS):
        for k, (api, one, total) in enumerate(zip(apis, units, totals, strict=True)):
            share, first = _share(total, turn), _start(total, turn)
            rates[k] += await throughput(api, one, share, workers, first)
    return rates[0], rates[1]


def _share(total: int, turn: int) -> int:
    """How many of ``total`` units the ``turn``-th round does."""
    return _start(total, turn + 1) - _start(total, turn)


def _start(total: int, turn: int) -> int:
    """The number of the first unit of the ``turn``-th round."""
    return total * turn // ROUNDS
