/**
 * TensorBoard's HParams plugin data (tensorboard/plugins/hparams/plugin_data.proto and
 * api.proto, field numbers as upstream), written as event files: one experiment summary that
 * declares the hyperparameters and metrics, and per session (a candidate) its hyperparameter
 * values, its metric scalars and how it ended. Each file is a pure function of its inputs, so
 * rewriting one with more metrics only appends records: TensorBoard tailing it by offset
 * never sees earlier bytes change.
 */
import * as protobuf from 'protobufjs';
import {
  DATA_CLASS_TENSOR,
  encodeEvent,
  EventMessage,
  FILE_VERSION,
  SummaryValueMessage,
} from './event-proto';
import { encodeRecord } from './tfrecord';

// google.protobuf.Value and ListValue are declared here under this package: the wire format
// knows field numbers only, so they are the same bytes as the well-known types.
const SCHEMA = `
syntax = "proto3";
package tensorboard.hparams;

message Value {
  oneof kind { int32 null_value = 1; double number_value = 2; string string_value = 3; bool bool_value = 4; ListValue list_value = 6; }
}
message ListValue { repeated Value values = 1; }

message HParamsPluginData {
  int32 version = 1;
  oneof data { Experiment experiment = 2; SessionStartInfo session_start_info = 3; SessionEndInfo session_end_info = 4; }
}
message Experiment {
  string name = 6;
  string description = 1;
  double time_created_secs = 3;
  repeated HParamInfo hparam_infos = 4;
  repeated MetricInfo metric_infos = 5;
}
message HParamInfo {
  string name = 1;
  string display_name = 2;
  string description = 3;
  int32 type = 4;
}
message MetricName { string group = 1; string tag = 2; }
message MetricInfo { MetricName name = 1; string display_name = 3; string description = 4; }
message SessionStartInfo {
  map<string, Value> hparams = 1;
  string model_uri = 2;
  string group_name = 4;
  double start_time_secs = 5;
}
message SessionEndInfo { int32 status = 1; double end_time_secs = 2; }
`;

const PluginData = protobuf
  .parse(SCHEMA, { keepCase: true })
  .root.lookupType('tensorboard.hparams.HParamsPluginData');

export const HPARAMS_EXPERIMENT_TAG = '_hparams_/experiment';
export const HPARAMS_SESSION_START_TAG = '_hparams_/session_start_info';
export const HPARAMS_SESSION_END_TAG = '_hparams_/session_end_info';
/** The fixed file name: one file per folder, rewritten whole (see above). */
export const HPARAMS_EVENT_FILE = 'events.out.tfevents.0000000000.netgrow-hparams';

export type HParamType = 'string' | 'number';
export interface HParamSpec {
  name: string;
  type: HParamType;
  description?: string;
}
export interface MetricSpec {
  tag: string;
  displayName?: string;
  description?: string;
}
export type HParamValue = string | number;
export type SessionStatus = 'success' | 'failure' | 'running' | 'unknown';

const DATA_TYPE = { string: 1, number: 3 } as const;
const STATUS = { unknown: 0, success: 1, failure: 2, running: 3 } as const;
const DT_FLOAT = 1;

function pluginValue(tag: string, data: Record<string, unknown>): SummaryValueMessage {
  const content = PluginData.encode(PluginData.fromObject({ version: 0, ...data })).finish();
  return {
    tag,
    metadata: { plugin_data: { plugin_name: 'hparams', content }, data_class: DATA_CLASS_TENSOR },
    // The plugin's summaries carry an empty float tensor (tensorboard's metadata.NULL_TENSOR).
    tensor: { dtype: DT_FLOAT, tensor_shape: { dim: [{ size: 0 }] } },
  };
}

function eventFile(events: EventMessage[]): Uint8Array {
  return Buffer.concat(events.map((e) => encodeRecord(encodeEvent(e))));
}

/** The experiment summary: which hyperparameters and metrics the HPARAMS tab shows. */
export function hparamsExperimentFile(opts: {
  name: string;
  description: string;
  createdSecs: number;
  hparams: HParamSpec[];
  metrics: MetricSpec[];
}): Uint8Array {
  const experiment = {
    name: opts.name,
    description: opts.description,
    time_created_secs: opts.createdSecs,
    hparam_infos: opts.hparams.map((h) => ({
      name: h.name,
      description: h.description ?? '',
      type: DATA_TYPE[h.type],
    })),
    metric_infos: opts.metrics.map((m) => ({
      name: { group: '', tag: m.tag },
      display_name: m.displayName ?? m.tag,
      description: m.description ?? '',
    })),
  };
  const t = opts.createdSecs;
  return eventFile([
    { wall_time: t, step: 0, file_version: FILE_VERSION },
    { wall_time: t, step: 0, summary: { value: [pluginValue(HPARAMS_EXPERIMENT_TAG, { experiment })] } },
  ]);
}

/**
 * One session: its hyperparameter values, its metrics as scalars (in the given order; later
 * additions go last) and, when it has ended, its status.
 */
export function hparamsSessionFile(opts: {
  startSecs: number;
  endSecs: number | null;
  hparams: Record<string, HParamValue>;
  metrics: Array<{ tag: string; value: number }>;
  status: SessionStatus;
  modelUri?: string;
}): Uint8Array {
  const hparams = Object.fromEntries(
    Object.entries(opts.hparams).map(([k, v]) => [
      k,
      typeof v === 'number' ? { number_value: v } : { string_value: v },
    ]),
  );
  const start = {
    hparams,
    model_uri: opts.modelUri ?? '',
    group_name: '',
    start_time_secs: opts.startSecs,
  };
  const end = opts.endSecs ?? opts.startSecs;
  const events: EventMessage[] = [
    { wall_time: opts.startSecs, step: 0, file_version: FILE_VERSION },
    {
      wall_time: opts.startSecs,
      step: 0,
      summary: { value: [pluginValue(HPARAMS_SESSION_START_TAG, { session_start_info: start })] },
    },
  ];
  if (opts.status !== 'running') {
    events.push({
      wall_time: end,
      step: 0,
      summary: {
        value: [
          pluginValue(HPARAMS_SESSION_END_TAG, {
            session_end_info: { status: STATUS[opts.status], end_time_secs: end },
          }),
        ],
      },
    });
  }
  for (const m of opts.metrics) {
    events.push({ wall_time: end, step: 0, summary: { value: [{ tag: m.tag, simple_value: m.value }] } });
  }
  return eventFile(events);
}
