#!/usr/bin/env python3
"""varscope against PyTorch on the same GPU, in one run: the reference CNN's training step.

PyTorch: the same model (conv 5x5x32 SAME + relu, max-pool 2, conv 5x5x64 SAME + relu, max-pool 2,
dense 3136->1024 + relu, dense 1024->10, cross-entropy), one SGD step on random data, eager and
captured as a CUDA graph, fp32 and tf32; inference at batch 400. Times are CUDA-event medians of
`--repeats` x `--steps` steps after warm-up (METHOD.md), `cudnn.benchmark=True`.

varscope: build/bench/bench_train_step on the same GPU (its sessions place everything there): the
SGD step at batch 64 and 400 (fp32, and TF32 through varscope::set_allow_tf32) and inference at
batch 400, each eager and replayed as a CUDA graph (SessionOptions::capture_cuda_graphs), as Google
Benchmark medians of wall time per Session::run. Each run copies its feeds from the host and ends
with the loss on the host, so the step is complete; PyTorch's timed steps do neither (its data
stays on the device), which favours PyTorch. varscope's model
has dropout 0.4 in the training tower; PyTorch's has none (a small elementwise op).

    bench/compare_pytorch.py [--varscope-bench build/bench/bench_train_step]

Prints one table with the ratio varscope / PyTorch for each row.
"""
import argparse
import json
import statistics
import subprocess

import torch
import torch.nn as nn
import torch.nn.functional as F


class ReferenceCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.fc1 = nn.Linear(7 * 7 * 64, 1024)
        self.fc2 = nn.Linear(1024, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


def event_median_ms(run, steps, repeats):
    """Median over `repeats` of the CUDA-event time of `steps` calls of run(), per call."""
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(steps):
            run()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / steps)
    return statistics.median(times)


def pytorch_times(batch, tf32, steps, repeats):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    model = ReferenceCnn().cuda()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 1, 28, 28, device="cuda")
    y = torch.randint(0, 10, (batch,), device="cuda")

    def step():
        opt.zero_grad(set_to_none=False)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(20):
        step()
    eager = event_median_ms(step, steps, repeats)

    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(5):
            step()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        step()
    for _ in range(20):
        graph.replay()
    graphed = event_median_ms(graph.replay, steps, repeats)
    return eager, graphed


def pytorch_inference(batch, steps, repeats):
    """Eager and CUDA-graph medians of the forward pass."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model = ReferenceCnn().cuda().eval()
    x = torch.randn(batch, 1, 28, 28, device="cuda")
    with torch.no_grad():
        for _ in range(20):
            model(x)
        eager = event_median_ms(lambda: model(x), steps, repeats)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(5):
                model(x)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            model(x)
        for _ in range(20):
            graph.replay()
        graphed = event_median_ms(graph.replay, steps, repeats)
    return eager, graphed


def varscope_times(bench, repetitions):
    out = subprocess.run(
        [bench, "--benchmark_filter=BM_TrainStep/sgd|BM_Inference", "--benchmark_format=json",
         f"--benchmark_repetitions={repetitions}", "--benchmark_report_aggregates_only=true",
         "--benchmark_min_time=1"],
        check=True, capture_output=True, text=True).stdout
    medians = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b["time_unit"]]
            medians[b["run_name"]] = b["real_time"] * scale
    return medians


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--varscope-bench", default="build/bench/bench_train_step")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.backends.cudnn.benchmark = True

    ours = varscope_times(args.varscope_bench, args.repeats)
    print(f"GPU: {torch.cuda.get_device_name()}, PyTorch {torch.__version__}, "
          f"cuDNN {torch.backends.cudnn.version()}")
    print(f"{'config':<24} {'vs eager':>9} {'vs graph':>9} {'PT eager':>9} {'PT graph':>9} "
          f"{'best/PTe':>9} {'best/PTg':>9}  targets")

    def cell(value, width=9, digits=3):
        return f"{value:{width}.{digits}f}" if value else f"{'n/a':>{width}}"

    def row(label, mine_eager, mine_graph, eager, graphed, targets):
        best = min(t for t in (mine_eager, mine_graph) if t) if (mine_eager or mine_graph) else None
        verdict = []
        for name, reference, limit in targets:
            if best and reference:
                verdict.append(f"{name}<={limit}: {'met' if best / reference <= limit else 'missed'}")
        print(f"{label:<24} {cell(mine_eager)} {cell(mine_graph)} {cell(eager)} {cell(graphed)} "
              f"{cell(best / eager if best else None, 9, 2)} "
              f"{cell(best / graphed if best and graphed else None, 9, 2)}  {', '.join(verdict)}")

    for batch in (64, 400):
        for tf32 in (False, True):
            eager, graphed = pytorch_times(batch, tf32, args.steps, args.repeats)
            name = f"BM_TrainStep/sgd/batch:{batch}/tf32:{int(tf32)}"
            targets = [("graph", graphed, 0.75)] + ([("eager", eager, 0.3)] if batch == 64 else [])
            row(f"train batch {batch} " + ("tf32" if tf32 else "fp32"), ours.get(f"{name}/graph:0/real_time"),
                ours.get(f"{name}/graph:1/real_time"), eager, graphed, targets)
    eager, graphed = pytorch_inference(400, args.steps, args.repeats)
    row("inference batch 400 fp32", ours.get("BM_Inference/batch:400/graph:0/real_time"),
        ours.get("BM_Inference/batch:400/graph:1/real_time"), eager, graphed,
        [("best PT", min(eager, graphed), 0.75)])
    print("(ms per step; vs = varscope eager / captured as a CUDA graph, PT = PyTorch; "
          "best = the faster varscope column)")


if __name__ == "__main__":
    main()
