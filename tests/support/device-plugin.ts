/**
 * A test device plugin for the real node's kubelet: it speaks the kubelet's device-plugin gRPC
 * API (v1beta1) on a unix socket in the kubelet's `device-plugins` folder, registers a resource
 * (`nvidia.com/gpu`) with a fixed list of healthy devices, and answers Allocate with the
 * environment an NVIDIA plugin would give (NVIDIA_VISIBLE_DEVICES). No GPU is behind it: what is
 * real is the path a GPU pod takes, the node's capacity and allocatable count, the scheduler's
 * fit, and the kubelet's allocation of one device to one container at a time.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';

/** The messages of the kubelet's deviceplugin/v1beta1 API this plugin uses (field numbers as the kubelet's). */
const API = `
syntax = "proto3";
package v1beta1;
message Empty {}
message DevicePluginOptions { bool pre_start_required = 1; bool get_preferred_allocation_available = 2; }
message RegisterRequest { string version = 1; string endpoint = 2; string resource_name = 3; DevicePluginOptions options = 4; }
message Device { string ID = 1; string health = 2; }
message ListAndWatchResponse { repeated Device devices = 1; }
message ContainerAllocateRequest { repeated string devices_ids = 1; }
message AllocateRequest { repeated ContainerAllocateRequest container_requests = 1; }
message ContainerAllocateResponse { map<string, string> envs = 1; }
message AllocateResponse { repeated ContainerAllocateResponse container_responses = 1; }
message PreStartContainerResponse {}
message PreferredAllocationResponse {}
`;

const root = protobuf.parse(API, { keepCase: true }).root;
const type = (name: string) => root.lookupType(`v1beta1.${name}`);

/** One unary or server-streaming method of a service, (de)serialized with protobufjs. */
function method(service: string, name: string, request: string, response: string, responseStream = false) {
  const req = type(request);
  const res = type(response);
  return {
    path: `/v1beta1.${service}/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: (m: object) => Buffer.from(req.encode(req.fromObject(m)).finish()),
    requestDeserialize: (b: Buffer) => req.toObject(req.decode(b), { defaults: true }),
    responseSerialize: (m: object) => Buffer.from(res.encode(res.fromObject(m)).finish()),
    responseDeserialize: (b: Buffer) => res.toObject(res.decode(b), { defaults: true }),
  };
}

const DevicePluginService = {
  GetDevicePluginOptions: method('DevicePlugin', 'GetDevicePluginOptions', 'Empty', 'DevicePluginOptions'),
  ListAndWatch: method('DevicePlugin', 'ListAndWatch', 'Empty', 'ListAndWatchResponse', true),
  GetPreferredAllocation: method(
    'DevicePlugin',
    'GetPreferredAllocation',
    'Empty',
    'PreferredAllocationResponse',
  ),
  Allocate: method('DevicePlugin', 'Allocate', 'AllocateRequest', 'AllocateResponse'),
  PreStartContainer: method('DevicePlugin', 'PreStartContainer', 'Empty', 'PreStartContainerResponse'),
} as grpc.ServiceDefinition;

export interface TestDevicePlugin {
  readonly resource: string;
  /** The device ids of every Allocate the kubelet made, in order (one list per container). */
  readonly allocations: string[][];
  stop(): Promise<void>;
}

/**
 * The kubelet's device-plugin folder. Fixed by the API (v1beta1's DevicePluginPath), whatever
 * the kubelet's --root-dir: one real node per machine, so one plugin folder.
 */
const DEVICE_PLUGIN_DIR = '/var/lib/kubelet/device-plugins';

/**
 * Serves the plugin in the kubelet's device-plugin folder and registers it with the kubelet
 * there; the node then reports `devices.length` of `resource` within a node status update.
 */
export async function startDevicePlugin(opts: {
  resource?: string;
  devices: string[];
  dir?: string;
}): Promise<TestDevicePlugin> {
  const resource = opts.resource ?? 'nvidia.com/gpu';
  const dir = opts.dir ?? DEVICE_PLUGIN_DIR;
  const endpoint = 'netgrow-test-gpu.sock';
  const allocations: string[][] = [];
  const streams = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  const server = new grpc.Server();
  server.addService(DevicePluginService, {
    GetDevicePluginOptions: (_call: unknown, done: grpc.sendUnaryData<object>) => done(null, {}),
    ListAndWatch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      // One answer, then the stream stays open: the kubelet counts the devices while it lasts.
      streams.add(call);
      call.on('cancelled', () => streams.delete(call));
      call.write({ devices: opts.devices.map((ID) => ({ ID, health: 'Healthy' })) });
    },
    GetPreferredAllocation: (_call: unknown, done: grpc.sendUnaryData<object>) => done(null, {}),
    Allocate: (
      call: grpc.ServerUnaryCall<{ container_requests: { devices_ids: string[] }[] }, object>,
      done: grpc.sendUnaryData<object>,
    ) => {
      const responses = call.request.container_requests.map(({ devices_ids }) => {
        allocations.push(devices_ids);
        return { envs: { NVIDIA_VISIBLE_DEVICES: devices_ids.join(',') } };
      });
      done(null, { container_responses: responses });
    },
    PreStartContainer: (_call: unknown, done: grpc.sendUnaryData<object>) => done(null, {}),
  });
  const socket = join(dir, endpoint);
  await rm(socket, { force: true });
  await new Promise<void>((res, rej) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? rej(err) : res(),
    ),
  );
  await register(join(dir, 'kubelet.sock'), endpoint, resource);
  return {
    resource,
    allocations,
    stop: async () => {
      for (const s of streams) s.end();
      await new Promise<void>((res) => server.tryShutdown(() => res()));
      server.forceShutdown();
      await rm(socket, { force: true });
    },
  };
}

/** The kubelet's Registration service: it dials the plugin back at `endpoint` in its folder. */
async function register(kubeletSocket: string, endpoint: string, resource: string): Promise<void> {
  const register = method('Registration', 'Register', 'RegisterRequest', 'Empty');
  const Client = grpc.makeGenericClientConstructor({ Register: register }, 'Registration');
  const client = new Client(`unix://${kubeletSocket}`, grpc.credentials.createInsecure());
  try {
    await new Promise<void>((res, rej) =>
      client.makeUnaryRequest(
        register.path,
        register.requestSerialize,
        register.responseDeserialize,
        { version: 'v1beta1', endpoint, resource_name: resource, options: {} },
        (err: grpc.ServiceError | null) =>
          err ? rej(new Error(`kubelet refused the device plugin: ${err.message}`)) : res(),
      ),
    );
  } finally {
    client.close();
  }
}
