"""Reference for the CNN training benchmark: chapter 07's SmallCnn and the same training step as CnnBenchmark.Measure.

Usage: /usr/bin/python3 benchmarks/reference/cnn_torch.py THREADS BATCH STEPS_PER_ROUND ROUNDS
Prints one JSON object: {"torch": version, "threads": n, "imagesPerSecond": median over rounds}.
Debian 12's python3-torch (1.13) is the reference here; install libopenblas0-pthread or it is many times slower.
"""
import json
import sys
import time

import torch
from torch import nn


def small_cnn():
    # SmallCnn(ImageSize: 28, Channels: [16, 32], Classes: 10) of lib/Vision/SmallCnn.cs, layer for layer
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def main():
    threads, batch, steps, rounds = (int(x) for x in sys.argv[1:])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = small_cnn()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = nn.CrossEntropyLoss()
    images = torch.rand(batch, 1, 28, 28)
    labels = torch.randint(0, 10, (batch,))

    def one_round():
        for _ in range(steps):
            optimizer.zero_grad()
            loss(model(images), labels).backward()
            optimizer.step()

    one_round()  # warm-up, as in the C# measurement
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        one_round()
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "imagesPerSecond": batch * steps / seconds[rounds // 2]}))


if __name__ == "__main__":
    main()
