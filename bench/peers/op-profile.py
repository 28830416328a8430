"""Where a Keras 3 training step goes, op by op, on TensorFlow's own profiler: the network of
peers.py (graph.json on stdin, the same builders), warm-up steps, then STEPS steps traced with
tf.profiler; the trace's executor events (`name:OpType` on the tf_Compute threads) summed by op
type. Prints one JSON line: wall ms per step (untraced and traced) and, per op type, count and
ms per step. Run by bench/peers/ops.ts next to bench/step-profile.ts (netgrow's side).

  python op-profile.py BATCH STEPS THREADS WARMUP < graph.json
"""
import glob
import json
import os
import sys
import tempfile
import time

batch, steps, threads, warmup = sys.argv[1:5]
sys.argv = ["peers.py", "keras", batch, steps, threads, warmup]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402  (reads argv and the graph on stdin)

import tensorflow as tf  # noqa: E402
from tensorflow.tsl.profiler.protobuf import xplane_pb2  # noqa: E402

step, version = peers.run_keras()
steps = int(steps)
for _ in range(int(warmup)):
    step()
t0 = time.perf_counter()
for _ in range(steps):
    step()
wall = (time.perf_counter() - t0) / steps * 1000

logdir = tempfile.mkdtemp(prefix="netgrow-keras-trace-")
tf.profiler.experimental.start(logdir)
t0 = time.perf_counter()
for _ in range(steps):
    step()
traced = (time.perf_counter() - t0) / steps * 1000
tf.profiler.experimental.stop()

space = xplane_pb2.XSpace()
with open(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True)[-1], "rb") as f:
    space.ParseFromString(f.read())
ops = {}
for plane in space.planes:
    if plane.name != "/host:CPU":
        continue
    for line in plane.lines:
        if not line.name.startswith("tf_Compute"):
            continue
        for e in line.events:
            name = plane.event_metadata[e.metadata_id].name
            if ":" not in name.replace("::", ""):
                continue  # the executor's own events (ExecutorState::Process, callbacks)
            kind = name.rsplit(":", 1)[1]
            o = ops.setdefault(kind, {"count": 0, "ms": 0.0})
            o["count"] += 1 / steps
            o["ms"] += e.duration_ps / 1e9 / steps
print(json.dumps({"version": version, "wallMs": wall, "tracedWallMs": traced,
                  "insideMs": sum(o["ms"] for o in ops.values()), "ops": ops}))
