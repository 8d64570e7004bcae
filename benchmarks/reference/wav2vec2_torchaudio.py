#!/usr/bin/python3
"""The wav2vec2 benchmark's reference: torchaudio's own wav2vec2-base (CTC head of 32) with random weights, timing
the same audio lengths as the C# benchmark, in this process. Prints one JSON line.

usage: wav2vec2_torchaudio.py THREADS REPEATS SECONDS...
"""
import json
import resource
import sys
import time

import torch
import torchaudio


def main():
    threads, repeats = int(sys.argv[1]), int(sys.argv[2])
    durations = [float(s) for s in sys.argv[3:]]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torchaudio.models.wav2vec2_base(aux_num_out=32).eval()
    seconds = {}
    with torch.inference_mode():
        model(torch.randn(1, 16000))                              # warm-up
        for d in durations:
            audio = torch.randn(1, int(d * 16000))
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                model(audio)
                times.append(time.perf_counter() - start)
            seconds[f"{d:g}"] = sorted(times)[len(times) // 2]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"torchaudio": torchaudio.__version__, "torch": torch.__version__, "seconds": seconds, "peak_rss": peak}))


if __name__ == "__main__":
    main()
