"""One training-throughput measurement of a netgrow graph (graph.json on stdin) in PyTorch or
Keras 3 (TensorFlow backend), the way bench/train.ts measures netgrow: SGD with momentum 0.9
on the softmax cross-entropy of one synthetic batch, warm-up steps, then timed steps.
Prints one JSON line. Run by bench/peers/run.ts, in the venv of bench/peers/setup.sh.

  python peers.py torch|keras BATCH STEPS THREADS WARMUP < graph.json

The networks are built from the same IR node by node: torch channels-first and Keras
channels-last (each framework's own CPU layout); the final softmax is folded into the loss.
"""
import json
import os
import sys
import time

framework, batch, steps, threads, warmup = sys.argv[1], *map(int, sys.argv[2:6])
graph = json.load(sys.stdin)
nodes = graph["nodes"]
# The output softmax becomes part of the loss (netgrow's bench builds logits too).
out_id = graph["output"]
if next(n for n in nodes if n["id"] == out_id).get("fn") == "softmax":
    out_id = next(n for n in nodes if n["id"] == out_id)["inputs"][0]
h, w, c = next(n for n in nodes if n["kind"] == "input")["shape"]
classes = 10


def run_torch():
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    mods = nn.ModuleDict()
    chans = {}
    for n in nodes:
        k, i = n["kind"], n["id"]
        key = i.replace(".", "_")
        src = chans.get(n["inputs"][0]) if n["inputs"] else None
        if k == "input":
            chans[i] = c
        elif k == "conv2d":
            kk, s = n["kernel"], n.get("stride", 1)
            pad = (kk // 2) if n.get("padding", "same") == "same" else 0
            mods[key] = nn.Conv2d(src, n["filters"], kk, s, pad, bias=n.get("bias", True))
            chans[i] = n["filters"]
        elif k == "dense":
            mods[key] = nn.LazyLinear(n["units"], bias=n.get("bias", True))
            chans[i] = n["units"]
        elif k == "batchnorm":
            mods[key] = nn.BatchNorm2d(src, eps=n["epsilon"], momentum=1 - n["momentum"])
            chans[i] = src
        elif k == "activation" and n["fn"] == "prelu":
            mods[key] = nn.PReLU(src)
            chans[i] = src
        else:
            chans[i] = src

    def forward(x):
        v = {}
        for n in nodes:
            k, i, ins = n["kind"], n["id"], [v[j] for j in n["inputs"]]
            key = i.replace(".", "_")
            if k == "input":
                y = x
            elif k in ("conv2d", "dense", "batchnorm") or (k == "activation" and n["fn"] == "prelu"):
                y = mods[key](ins[0])
            elif k == "activation":
                y = {"relu": torch.relu, "softmax": lambda t: torch.softmax(t, 1), "tanh": torch.tanh,
                     "sigmoid": torch.sigmoid}[n["fn"]](ins[0])
            elif k == "maxpool2d":
                y = nn.functional.max_pool2d(ins[0], n["pool"], n.get("stride", n["pool"]))
            elif k == "avgpool2d":
                y = nn.functional.avg_pool2d(ins[0], n["pool"], n.get("stride", n["pool"]))
            elif k == "flatten":
                # netgrow flattens channels-last: the same count, another order; same cost.
                y = torch.flatten(ins[0], 1)
            elif k == "add":
                y = ins[0] + ins[1]
            elif k == "globalavgpool":
                y = ins[0].mean((2, 3))
            elif k == "globalmaxpool":
                y = ins[0].amax((2, 3))
            else:
                raise SystemExit(f"peers.py: node kind {k} is not mapped")
            v[i] = y
            if i == out_id:
                return y

    x = torch.randn(batch, c, h, w)
    y = torch.randint(0, classes, (batch,))
    forward(x)  # materialises the lazy dense layers
    opt = torch.optim.SGD(mods.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(forward(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step, f"torch {torch.__version__}"


def run_keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import tensorflow as tf
    import keras
    from keras import layers

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    v = {}
    inp = None
    for n in nodes:
        k, i, ins = n["kind"], n["id"], [v[j] for j in n["inputs"]]
        if k == "input":
            inp = y = keras.Input((h, w, c))
        elif k == "conv2d":
            y = layers.Conv2D(n["filters"], n["kernel"], n.get("stride", 1), n.get("padding", "same"),
                              use_bias=n.get("bias", True))(ins[0])
        elif k == "dense":
            y = layers.Dense(n["units"], use_bias=n.get("bias", True))(ins[0])
        elif k == "batchnorm":
            y = layers.BatchNormalization(epsilon=n["epsilon"], momentum=n["momentum"])(ins[0])
        elif k == "activation" and n["fn"] == "prelu":
            y = layers.PReLU(shared_axes=[1, 2] if len(ins[0].shape) == 4 else None)(ins[0])
        elif k == "activation":
            y = layers.Activation(n["fn"])(ins[0])
        elif k == "maxpool2d":
            y = layers.MaxPooling2D(n["pool"], n.get("stride"), n.get("padding", "valid"))(ins[0])
        elif k == "avgpool2d":
            y = layers.AveragePooling2D(n["pool"], n.get("stride"), n.get("padding", "valid"))(ins[0])
        elif k == "flatten":
            y = layers.Flatten()(ins[0])
        elif k == "add":
            y = layers.Add()(ins)
        elif k == "globalavgpool":
            y = layers.GlobalAveragePooling2D()(ins[0])
        elif k == "globalmaxpool":
            y = layers.GlobalMaxPooling2D()(ins[0])
        else:
            raise SystemExit(f"peers.py: node kind {k} is not mapped")
        v[i] = y
        if i == out_id:
            break
    model = keras.Model(inp, v[out_id])
    # No XLA: tfjs-node runs TensorFlow's eager kernels one by one, so compare kernels, not compilers.
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=False)
    x = tf.random.normal((batch, h, w, c))
    y = tf.random.uniform((batch,), 0, classes, tf.int32)

    def step():
        return float(model.train_on_batch(x, y))

    return step, f"keras {keras.__version__} / tensorflow {tf.__version__}"


if __name__ == "__main__":  # bench/peers/op-profile.py imports the builders
    step, version = run_torch() if framework == "torch" else run_keras()
    for _ in range(warmup):
        step()
    c0 = time.process_time()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({"framework": framework, "version": version, "threads": threads, "batch": batch,
                      "steps": steps, "samplesPerSec": steps * batch / seconds, "secondsPerStep": seconds / steps,
                      "cpuSecondsPerStep": cpu / steps}))
