"""Reference for the matmul benchmark: the same measurement as MatmulThroughput.Measure, in PyTorch.

Usage: /usr/bin/python3 benchmarks/reference/matmul_torch.py THREADS REPEATS SIZE [SIZE ...]
Prints one JSON object: {"torch": version, "threads": n, "seconds": {size: median seconds}}.
Debian 12's python3-torch (1.13) is the reference here; install libopenblas0-pthread or it is ~20x slower.
"""
import json
import sys
import time

import torch


def median_seconds(size, repeats):
    a = torch.rand(size, size)
    b = torch.rand(size, size)
    torch.matmul(a, b)  # warm-up, as in the C# measurement
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        times.append(time.perf_counter() - start)
    times.sort()
    return times[repeats // 2]


def main():
    threads, repeats, *sizes = (int(x) for x in sys.argv[1:])
    torch.set_num_threads(threads)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(),
              "seconds": {str(n): median_seconds(n, repeats) for n in sizes}}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
