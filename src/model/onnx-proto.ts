/**
 * The subset of ONNX's protos (onnx/onnx.proto3) that the ONNX export writes, field numbers
 * as upstream. Only the fields written are declared; readers skip nothing they need.
 */
import * as protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package onnx;

message OperatorSetIdProto { string domain = 1; int64 version = 2; }

message ModelProto {
  int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  string producer_name = 2;
  string producer_version = 3;
  string doc_string = 6;
  GraphProto graph = 7;
}

message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  repeated AttributeProto attribute = 5;
}

message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; }
  string name = 1;
  AttributeType type = 20;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  repeated int64 ints = 8;
}

message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  string name = 8;
  bytes raw_data = 9;
}

message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}

message ValueInfoProto { string name = 1; TypeProto type = 2; }
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
const ModelType = root.lookupType('onnx.ModelProto');

export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}
export interface OnnxNode {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute?: OnnxAttribute[];
}
export interface OnnxTensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}
export interface OnnxValueInfo {
  name: string;
  type: {
    tensor_type: { elem_type: number; shape: { dim: Array<{ dim_value?: number; dim_param?: string }> } };
  };
}
export interface OnnxModel {
  ir_version: number;
  opset_import: Array<{ domain: string; version: number }>;
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: {
    name: string;
    node: OnnxNode[];
    initializer: OnnxTensor[];
    input: OnnxValueInfo[];
    output: OnnxValueInfo[];
  };
}

export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  return ModelType.encode(ModelType.fromObject(m)).finish();
}

export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  return ModelType.toObject(ModelType.decode(bytes), { longs: Number, defaults: true }) as OnnxModel;
}
