/**
 * The subset of TensorFlow's event protos that netgrow writes, field numbers as in
 * tensorflow/core/util/event.proto, framework/summary.proto, tensor.proto and
 * tensor_shape.proto. Only fields we write or read back are declared; protobuf readers skip
 * the rest, so this stays wire-compatible with TensorBoard.
 */
import * as protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package tensorboard;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
    SessionLog session_log = 7;
  }
}

message SessionLog {
  enum SessionStatus { STATUS_UNSPECIFIED = 0; START = 1; STOP = 2; CHECKPOINT = 3; }
  SessionStatus status = 1;
  string checkpoint_path = 2;
  string msg = 3;
}

message Summary {
  message Value {
    string node_name = 7;
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}

message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  DataClass data_class = 4;
}

enum DataClass { DATA_CLASS_UNKNOWN = 0; DATA_CLASS_SCALAR = 1; DATA_CLASS_TENSOR = 2; DATA_CLASS_BLOB_SEQUENCE = 3; }

enum DataType { DT_INVALID = 0; DT_FLOAT = 1; DT_STRING = 7; }

message TensorShapeProto {
  message Dim { int64 size = 1; string name = 2; }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

message TensorProto {
  DataType dtype = 1;
  TensorShapeProto tensor_shape = 2;
  repeated bytes string_val = 8;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;

export const EventType = root.lookupType('tensorboard.Event');
export const SESSION_START = 1;
export const DATA_CLASS_TENSOR = 2;
export const DT_STRING = 7;
/** The version string every TensorFlow 2 event file starts with; it selects START-based purging. */
export const FILE_VERSION = 'brain.Event:2';

/** Plain-object forms of the messages, as protobufjs encodes and decodes them (keepCase). */
export interface SummaryValueMessage {
  tag: string;
  simple_value?: number;
  metadata?: {
    plugin_data?: { plugin_name?: string; content?: Uint8Array };
    data_class?: number;
  };
  tensor?: {
    dtype?: number;
    tensor_shape?: { dim?: { size?: number }[] };
    string_val?: Uint8Array[];
  };
}

export interface EventMessage {
  wall_time: number;
  step: number;
  file_version?: string;
  session_log?: { status?: number };
  summary?: { value?: SummaryValueMessage[] };
}

export function encodeEvent(event: EventMessage): Uint8Array {
  return EventType.encode(EventType.fromObject(event)).finish();
}

export function decodeEvent(bytes: Uint8Array): EventMessage {
  const msg = EventType.decode(bytes);
  // longs: Number keeps steps as plain numbers (exact below 2^53, far beyond any training run).
  return EventType.toObject(msg, { longs: Number, defaults: true, oneofs: false }) as EventMessage;
}
