"""The workloads W1-W7 of BENCH.md in Python, on asyncio or uvloop.

    python3 bench/peers/asyncio_peer.py --loop asyncio|uvloop --workload W1 [--mode full|quick]

Prints one line, ``BENCH_RESULT {json}``, in the shape bench/_child.ts
prints, so bench/run.mjs tabulates both alike. Rates are timed over whole
runs (a fresh loop each, after a full gc.collect(); CPython does not
JIT, so there is no warm-up); W3 weighs the heap with tracemalloc in a run of its own, once
every task sleeps, then times fresh runs without it.
"""

import argparse
import asyncio
import gc
import json
import sys
import time
import tracemalloc

SEED = 0x5EED
M32 = 0xFFFFFFFF

MODES = {
    "full": {"budget": 2.0, "min_runs": 3, "max_runs": 10, "cap": 8.0, "timer_runs": 5, "timer_budget": 5.0, "timer_skip": float("inf")},
    "quick": {"budget": 0.2, "min_runs": 1, "max_runs": 2, "cap": 0.5, "timer_runs": 1, "timer_budget": 0.5, "timer_skip": 2.0},
}


def mulberry32(seed):
    """The PRNG of bench/_runtime.ts, in unsigned 32-bit arithmetic: same seed, same values."""
    a = seed & M32

    def random():
        nonlocal a
        a = (a + 0x6D2B79F5) & M32
        t = ((a ^ (a >> 15)) * (1 | a)) & M32
        t = ((t + (((t ^ (t >> 7)) * (61 | t)) & M32)) & M32) ^ t
        return ((t ^ (t >> 14)) & M32) / 4294967296

    return random


def seeded_delays(n, max_ms):
    random = mulberry32(SEED)
    return [random() * max_ms for _ in range(n)]


# ---- the workloads: each is `async def` of one full run ----


async def w1_spawn():
    async def return_at_once():
        return 1

    tasks = [asyncio.create_task(return_at_once()) for _ in range(100_000)]
    await asyncio.gather(*tasks)


async def w2_switch():
    async def switcher():
        for _ in range(1_000):
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(switcher()) for _ in range(1_000)]
    await asyncio.gather(*tasks)


async def w4_queue():
    queue = asyncio.Queue(maxsize=100)
    items = 1_000_000

    async def producer():
        for i in range(items):
            await queue.put(i)

    async def consumer():
        total = 0
        for _ in range(items):
            total += await queue.get()
        return total

    await asyncio.gather(asyncio.create_task(producer()), asyncio.create_task(consumer()))


async def w5_lock():
    lock = asyncio.Lock()

    async def worker():
        for _ in range(100):
            async with lock:
                await asyncio.sleep(0)

    tasks = [asyncio.create_task(worker()) for _ in range(1_000)]
    await asyncio.gather(*tasks)


async def w6_limit():
    semaphore = asyncio.Semaphore(64)

    async def job():
        async with semaphore:
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(job()) for _ in range(100_000)]
    await asyncio.gather(*tasks)


async def w7_cancel():
    async def sleeper():
        await asyncio.sleep(10)

    tasks = [asyncio.create_task(sleeper()) for _ in range(100_000)]
    await asyncio.sleep(0)  # every task has started its sleep
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


RATES = {
    "W1": (w1_spawn, 100_000),
    "W2": (w2_switch, 1_000_000),
    "W4": (w4_queue, 1_000_000),
    "W5": (w5_lock, 100_000),
    "W6": (w6_limit, 100_000),
    "W7": (w7_cancel, 100_000),
}

W3_TASKS = 100_000
W3_MAX_DELAY = 50


def make_w3(delays, probe):
    async def w3_timers():
        state = {"started": 0, "finished": 0}

        async def sleeper(ms):
            state["started"] += 1
            await asyncio.sleep(ms / 1000)
            state["finished"] += 1

        tasks = [asyncio.create_task(sleeper(ms)) for ms in delays]
        if probe is not None:
            while state["started"] < W3_TASKS:
                await asyncio.sleep(0)
            probe(W3_TASKS - state["finished"])
        await asyncio.gather(*tasks)

    return w3_timers


def loop_factory(name):
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def time_run(factory, coro_fn):
    gc.collect()
    start = time.perf_counter()
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(coro_fn())
    return (time.perf_counter() - start) * 1000


def measure_rate(factory, coro_fn, mode):
    """Fresh runs until both min_runs and the budget are met, within cap.
    CPython does not JIT, so the first run counts (no warm-up)."""
    m = MODES[mode]
    samples = []
    spent = 0.0
    while len(samples) < m["max_runs"]:
        if samples and spent >= m["budget"] * 1000 and len(samples) >= m["min_runs"]:
            break
        if samples and spent + samples[-1] > m["cap"] * 1000:
            break
        t = time_run(factory, coro_fn)
        samples.append(t)
        spent += t
    return {"method": "fresh runs", "samplesMs": samples, "firstMs": samples[0]}


def measure_timers(factory, mode):
    m = MODES[mode]
    delays = seeded_delays(W3_TASKS, W3_MAX_DELAY)
    weighed = {}

    def probe(live):
        gc.collect()
        weighed["heapBytes"] = tracemalloc.get_traced_memory()[0] - weighed["base"]
        weighed["live"] = live

    gc.collect()
    tracemalloc.start()
    weighed["base"] = tracemalloc.get_traced_memory()[0]
    weighing = time_run(factory, make_w3(delays, probe))
    tracemalloc.stop()
    del weighed["base"]
    elapsed = []
    spent = 0.0
    while len(elapsed) < m["timer_runs"] and weighing <= m["timer_skip"] * 1000:
        if elapsed and spent + elapsed[-1] > m["timer_budget"] * 1000:
            break
        t = time_run(factory, make_w3(delays, None))
        elapsed.append(t)
        spent += t
    return {
        "method": "fresh runs" if elapsed else f"not timed in a quick run: one run takes {weighing / 1000:.1f} s",
        "elapsedMs": elapsed,
        "maxDelayMs": W3_MAX_DELAY,
        "tasks": W3_TASKS,
        "wasmBytes": 0,
        **weighed,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--workload", required=True)
    parser.add_argument("--mode", choices=list(MODES), default="full")
    args = parser.parse_args()
    factory = loop_factory(args.loop)
    version = sys.version.split()[0]
    if args.loop == "uvloop":
        import uvloop

        version += f", uvloop {uvloop.__version__}"
    base = {
        "runtime": "python",
        "version": version,
        "executable": sys.executable,
        "workload": args.workload,
        "peer": args.loop,
        "mode": args.mode,
    }
    if args.workload == "W3":
        result = {**base, "kind": "timers", **measure_timers(factory, args.mode)}
    else:
        coro_fn, units = RATES[args.workload]
        result = {**base, "kind": "rate", "units": units, **measure_rate(factory, coro_fn, args.mode)}
    print("BENCH_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
