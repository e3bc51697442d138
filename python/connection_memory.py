"""The Python side of `connection_memory`: the guide's two idioms against the same server.

    python3 python/connection_memory.py --url http://127.0.0.1:PORT --client asyncio --requests 10000
    python3 python/connection_memory.py --url http://127.0.0.1:PORT --client threads --requests 1000

`asyncio` is aiohttp with one session and `asyncio.gather`; `threads` is one thread per request
with `requests.get` (pip install aiohttp requests). Each prints one JSON object with the same
fields as `connection_memory --json`: every answer checked, wall and CPU time, peak RSS (VmHWM)
and resident memory per request in flight, against the same process before the requests.
"""

import argparse
import asyncio
import json
import resource
import threading
import time


def rss_kib(field="VmRSS"):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_s():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def with_asyncio(url, n, expected):
    import aiohttp

    # No limit on connections: all n in flight at once, as the Rust clients do.
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one():
            async with session.get(url) as response:
                return response.status == 200 and await response.text() == expected

        return await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)


def with_threads(url, n, expected):
    import requests

    results = [False] * n

    def one(i):
        try:
            response = requests.get(url, headers={"Connection": "close"})
            results[i] = response.status_code == 200 and response.text == expected
        except Exception:
            results[i] = False

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--client", choices=["asyncio", "threads"], required=True)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--delay-ms", type=int, default=1000)
    args = parser.parse_args()
    url = f"{args.url.rstrip('/')}/delay/{args.delay_ms}"
    expected = f"waited {args.delay_ms} ms\n"
    if args.client == "asyncio":
        import aiohttp  # noqa: F401  (imported before the baseline, as the Rust clients are built)
    else:
        import requests  # noqa: F401
    before, cpu_before, start = rss_kib(), cpu_s(), time.monotonic()
    if args.client == "asyncio":
        results = asyncio.run(with_asyncio(url, args.requests, expected))
    else:
        results = with_threads(url, args.requests, expected)
    wall, cpu = time.monotonic() - start, cpu_s() - cpu_before
    peak = rss_kib("VmHWM")
    print(json.dumps({
        "client": f"python {args.client}",
        "requests": args.requests,
        "ok": sum(1 for r in results if r is True),
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_kib": peak,
        "kib_per_connection": (peak - before) / args.requests,
    }))


if __name__ == "__main__":
    main()
