/**
 * TensorFlow's GraphDef, the few messages the engine writes (field numbers as in
 * tensorflow/core/framework/{graph,node_def,attr_value,tensor,tensor_shape,versions}.proto),
 * and a small writer of NodeDefs. Tensors are named as TensorFlow names them: `op:index`.
 */
import * as protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package tensorflow;

message GraphDef { repeated NodeDef node = 1; VersionDef versions = 4; }
message VersionDef { int32 producer = 1; int32 min_consumer = 2; }
message NodeDef {
  string name = 1;
  string op = 2;
  repeated string input = 3;
  map<string, AttrValue> attr = 5;
}
message AttrValue {
  message ListValue { repeated int64 i = 3; repeated int32 type = 6; }
  oneof value {
    ListValue list = 1;
    bytes s = 2;
    int64 i = 3;
    float f = 4;
    bool b = 5;
    int32 type = 6;
    TensorShapeProto shape = 7;
    TensorProto tensor = 8;
  }
}
message TensorShapeProto {
  message Dim { int64 size = 1; }
  repeated Dim dim = 2;
}
message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  repeated float float_val = 5;
  repeated int32 int_val = 7;
}
`;

const root = protobuf.parse(SCHEMA).root;
const GraphDefType = root.lookupType('tensorflow.GraphDef');

// What the engine reads back from a graph: each op's name, type and inputs (attrs skipped).
const OpsType = protobuf
  .parse(
    `
syntax = "proto3";
message Ops { repeated Op node = 1; }
message Op { string name = 1; string op = 2; repeated string input = 3; }
`,
  )
  .root.lookupType('Ops');

export interface OpRef {
  name: string;
  op: string;
  /** Tensor names, `op:index` (TensorFlow leaves out `:0`; they are written here with it). */
  input: string[];
}

/** The ops of a GraphDef (TF_GraphToGraphDef's bytes); control inputs (`^op`) left out. */
export function readOps(bytes: Uint8Array): OpRef[] {
  const msg = OpsType.toObject(OpsType.decode(bytes), { arrays: true }) as { node: OpRef[] };
  return msg.node.map((n) => ({
    name: n.name,
    op: n.op,
    input: n.input.filter((i) => !i.startsWith('^')).map((i) => (/:\d+$/.test(i) ? i : `${i}:0`)),
  }));
}

/** TensorFlow's DataType enum values the engine uses. */
export const DT = { float: 1, int32: 3, bool: 10, resource: 20 } as const;
export type DataType = (typeof DT)[keyof typeof DT];

/** TF 2.21's GraphDef version (TF_GRAPH_DEF_VERSION): the ops' current semantics. */
const PRODUCER = 2474;

type Attr =
  | { list: { i?: number[]; type?: number[] } }
  | { s: Uint8Array }
  | { i: number }
  | { f: number }
  | { b: boolean }
  | { type: number }
  | { shape: { dim: { size: number }[] } }
  | { tensor: object };

export const attr = {
  type: (t: DataType): Attr => ({ type: t }),
  int: (i: number): Attr => ({ i }),
  float: (f: number): Attr => ({ f }),
  bool: (b: boolean): Attr => ({ b }),
  str: (s: string): Attr => ({ s: new TextEncoder().encode(s) }),
  ints: (i: number[]): Attr => ({ list: { i } }),
  /** A shape; -1 is an unknown dimension (the batch). */
  shape: (dims: readonly number[]): Attr => ({ shape: { dim: dims.map((size) => ({ size })) } }),
  floatTensor: (vals: readonly number[], dims: readonly number[] = []): Attr => ({
    tensor: { dtype: DT.float, tensorShape: { dim: dims.map((size) => ({ size })) }, floatVal: vals },
  }),
  intTensor: (vals: readonly number[], dims: readonly number[] = [vals.length]): Attr => ({
    tensor: { dtype: DT.int32, tensorShape: { dim: dims.map((size) => ({ size })) }, intVal: vals },
  }),
};

interface NodeDef {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, Attr>;
}

/** Collects NodeDefs; every op returns its first output's name, `${name}:0`. */
export class GraphDefWriter {
  private readonly nodes: NodeDef[] = [];
  private readonly names = new Set<string>();

  /** Adds a node; `name` must be new to this writer. Returns the node's name. */
  node(op: string, name: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    if (this.names.has(name)) throw new Error(`graph engine: two nodes are named '${name}'`);
    this.names.add(name);
    this.nodes.push({ name, op, input: [...inputs], attr: attrs });
    return name;
  }

  /** An op with T = float32 whose output 0 is returned as a tensor name. */
  op(op: string, name: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return `${this.node(op, name, inputs, { T: attr.type(DT.float), ...attrs })}:0`;
  }

  scalar(name: string, v: number): string {
    return `${this.node('Const', name, [], { dtype: attr.type(DT.float), value: attr.floatTensor([v]) })}:0`;
  }

  ints(name: string, vals: readonly number[]): string {
    return `${this.node('Const', name, [], { dtype: attr.type(DT.int32), value: attr.intTensor(vals) })}:0`;
  }

  /** Σ over the given axes of a float tensor; `null`: over all of them (flattened first). */
  sum(name: string, x: string, axes: number[] | null): string {
    const input = axes
      ? x
      : this.op('Reshape', `${name}/flat`, [x, this.ints(`${name}/flat_shape`, [-1])], {
          Tshape: attr.type(DT.int32),
        });
    return this.op('Sum', name, [input, this.ints(`${name}/axes`, axes ?? [0])], {
      Tidx: attr.type(DT.int32),
      keep_dims: attr.bool(false),
    });
  }

  /** A scalar int32 constant (an axis). */
  int(name: string, v: number): string {
    return `${this.node('Const', name, [], { dtype: attr.type(DT.int32), value: attr.intTensor([v], []) })}:0`;
  }

  placeholder(name: string, dtype: DataType, shape: readonly number[]): string {
    return `${this.node('Placeholder', name, [], { dtype: attr.type(dtype), shape: attr.shape(shape) })}:0`;
  }

  get size(): number {
    return this.nodes.length;
  }

  encode(): Uint8Array {
    const msg = GraphDefType.fromObject({ node: this.nodes, versions: { producer: PRODUCER } });
    return GraphDefType.encode(msg).finish();
  }
}

/** The op name of a tensor name (`fc1/MatMul:0` → `fc1/MatMul`). */
export const opOf = (tensor: string): string => tensor.replace(/:\d+$/, '');
