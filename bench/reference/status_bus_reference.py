"""Measures the reference StatusBus (Python, in memory) with the in-memory section's workload.

Run by `npm run bench` when STATUS_BUS_REFERENCE names a Python interpreter that can import
`roomkit.orchestration.status_bus`. Arguments: sequential posts (also the warm-up), timed posts.
Prints one JSON line: {"perSecond", "p50", "p99", "python"} (latencies in microseconds).
"""

import asyncio
import json
import platform
import sys
import time

from roomkit.orchestration.status_bus import StatusBus

DETAIL = "found 7 results"  # 15 characters, as in the bus's own measurement


async def awaited(bus, count):
    """Posts `count` entries one at a time, each awaited; returns entries per second."""
    start = time.perf_counter()
    for _ in range(count):
        await bus.post_async("exec", "step", "ok", detail=DETAIL)
    return count / (time.perf_counter() - start)


async def main(sequential, timed):
    bus = StatusBus()
    await awaited(bus, sequential)  # the warm-up, as many posts as are measured
    per_second = await awaited(bus, sequential)
    sent_at = 0.0
    samples = []

    def on_status(_entry):
        samples.append(time.perf_counter() - sent_at)

    await bus.subscribe(on_status)
    for _ in range(timed):
        sent_at = time.perf_counter()
        await bus.post_async("exec", "step", "ok", detail=DETAIL)
    samples.sort()

    def micros(p):
        # The same nearest-rank percentile as bench/measure.ts.
        return samples[max(0, min(len(samples) - 1, -(-p * len(samples) // 100) - 1))] * 1e6

    print(json.dumps({
        "perSecond": per_second,
        "p50": micros(50),
        "p99": micros(99),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }))


if __name__ == "__main__":
    asyncio.run(main(*(int(arg) for arg in sys.argv[1:3])))
