"""Reads a TensorBoard run folder with TensorBoard's own EventAccumulator and prints JSON.

Used by tfevents.test.ts to prove netgrow's event files are what TensorBoard reads.
Usage: python read_tfevents.py <run folder>
"""
import json
import math
import sys

from tensorboard.backend.event_processing import event_accumulator as ea


def number(x):
    # JSON has no NaN/Infinity; spell them so the test can compare.
    return x if math.isfinite(x) else repr(x)


def main(path):
    guidance = {key: 0 for key in ea.DEFAULT_SIZE_GUIDANCE}  # 0 = keep every event
    acc = ea.EventAccumulator(path, size_guidance=guidance)
    acc.Reload()
    tags = acc.Tags()
    out = {"file_version": acc.file_version, "scalars": {}, "texts": {}}
    for tag in tags["scalars"]:
        out["scalars"][tag] = [
            {"step": e.step, "wall_time": e.wall_time, "value": number(e.value)} for e in acc.Scalars(tag)
        ]
    for tag in tags["tensors"]:
        meta = acc.SummaryMetadata(tag)
        out["texts"][tag] = [
            {
                "step": e.step,
                "wall_time": e.wall_time,
                "plugin": meta.plugin_data.plugin_name,
                "dtype": e.tensor_proto.dtype,
                "rank": len(e.tensor_proto.tensor_shape.dim),
                "text": [s.decode("utf-8") for s in e.tensor_proto.string_val],
            }
            for e in acc.Tensors(tag)
        ]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
