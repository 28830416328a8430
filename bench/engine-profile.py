"""Where a graph-engine training step goes, kernel by kernel.

bench/graph-engine.ts --profile ARCH writes the engine's step graph (GraphEngine.stepGraph:
the GraphDef after TF_AddGradients and the engine's own rewiring, its feeds, fetches and
variables) into a folder and runs this script on it with the TensorFlow the engine links
(.tools/venv). The graph runs in a TF1 session with the same thread counts, variables set to
small random values, on one random batch; after the warm-up and a timed loop, a few steps are
traced (RunOptions FULL_TRACE) and the kernels' times summed by kernel type and by node: the
types are after grappler and oneDNN's rewrites (_MklNativeFusedConv2D, ...), what really ran.

    python bench/engine-profile.py DIR BATCH THREADS [STEPS]
"""
import collections
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1
tf1.disable_eager_execution()

folder, batch, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
steps = int(sys.argv[4]) if len(sys.argv) > 4 else 10
step = json.load(open(os.path.join(folder, "step.json")))
if not step["plain"]:
    sys.exit("engine-profile: the step needs more feeds than x, y and lr (Adam, distillation); profile a plain SGD step")
graph_def = tf1.GraphDef()
graph_def.ParseFromString(open(os.path.join(folder, "step.pb"), "rb").read())
graph = tf.Graph()
with graph.as_default():
    tf1.import_graph_def(graph_def, name="")
config = tf1.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
session = tf1.Session(graph=graph, config=config)
rng = np.random.default_rng(0)
for v in step["variables"]:
    session.run(v["assign"], {v["value"]: (rng.standard_normal(v["shape"]) * 0.05).astype(np.float32)})
feeds = step["feeds"]
x_shape = [batch] + [int(d) for d in graph.get_tensor_by_name(feeds["x"]).shape[1:]]
feed = {
    feeds["x"]: rng.standard_normal(x_shape).astype(np.float32),
    feeds["y"]: rng.integers(0, 10, batch).astype(np.int32),
    feeds["lr"]: np.float32(0.01),
}
run = [step["fetch"]] + step["targets"]
for _ in range(3):
    session.run(run, feed)
t0 = time.perf_counter()
for _ in range(steps):
    session.run(run, feed)
seconds = (time.perf_counter() - t0) / steps
print(f"{batch / seconds:.1f} samples/s untraced ({seconds * 1000:.1f} ms a step, {threads} thread(s))")

TRACED = 5
by_kernel = collections.defaultdict(lambda: [0.0, 0.0])
by_node = collections.defaultdict(float)
for _ in range(TRACED):
    meta = tf1.RunMetadata()
    session.run(run, feed, options=tf1.RunOptions(trace_level=tf1.RunOptions.FULL_TRACE), run_metadata=meta)
    for dev in meta.step_stats.dev_stats:
        for n in dev.node_stats:
            label = n.timeline_label
            kernel = label.split(" = ")[1].split("(")[0] if " = " in label else "?"
            us = (n.op_end_rel_micros - n.op_start_rel_micros) / TRACED
            by_kernel[kernel][0] += us
            by_kernel[kernel][1] += 1 / TRACED
            by_node[n.node_name] += us
total = sum(t for t, _ in by_kernel.values())
print(f"traced kernel time {total / 1000:.1f} ms a step (mean of {TRACED} traced steps)\n")
print("| ms | share | kernels | kernel type |\n| --- | --- | --- | --- |")
for kernel, (us, count) in sorted(by_kernel.items(), key=lambda kv: -kv[1][0])[:15]:
    print(f"| {us / 1000:.2f} | {100 * us / total:.0f}% | {count:.0f} | {kernel} |")
print("\n| ms | node |\n| --- | --- |")
for node, us in sorted(by_node.items(), key=lambda kv: -kv[1])[:15]:
    print(f"| {us / 1000:.2f} | {node} |")
