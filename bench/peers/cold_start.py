"""W8 cold start in Python: `cold_start.py bare|asyncio|uvloop` runs nothing,
or imports the loop and runs a main that sleeps 0 and exits."""

import sys

mode = sys.argv[1] if len(sys.argv) > 1 else "bare"
if mode == "asyncio":
    import asyncio

    async def main():
        await asyncio.sleep(0)

    asyncio.run(main())
elif mode == "uvloop":
    import asyncio

    import uvloop

    async def main():
        await asyncio.sleep(0)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())
