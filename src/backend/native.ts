/**
 * The `tensorflow` backend: @tensorflow/tfjs-node(-gpu) with its binding compiled by
 * scripts/build-native.sh against PyPI TensorFlow, and netgrow's native/tf_info.cc beside it,
 * which says what that TensorFlow really runs on (tfjs-node itself only knows its version).
 */
import { dirname, join } from 'node:path';

/** The GPU package first: its binding is the same code, built against a CUDA-enabled TensorFlow. */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export interface TensorFlowDevice {
  /** `CPU:0`, `GPU:0`. */
  name: string;
  type: string;
  /** TensorFlow's memory limit for the device (GPU: what its allocator may take). */
  memoryBytes: number;
}

export interface TensorFlowInfo {
  package: string;
  /** TF_Version() of the loaded library. */
  version: string;
  /** TensorFlow's oneDNN kernels (on by default on x86-64 Linux; TF_ENABLE_ONEDNN_OPTS=0 turns them off). */
  onednn: boolean;
  /** The intra-op thread pool: TF_NUM_INTRAOP_THREADS, else every CPU this process may use. */
  intraOpThreads: number;
  devices: TensorFlowDevice[];
  /** Where tfjs's binding places every op: the first GPU, else the CPU. */
  placedOn: string;
}

interface TfInfoAddon {
  describe(): {
    version: string;
    onednn: boolean;
    intraOpThreads: number;
    devices: { name: string; type: string; memoryBytes: number }[];
  };
}

/**
 * libtensorflow prints its start-up lines (oneDNN, CPU features) to stderr when loaded; they
 * would bury netgrow's one backend line and every one-line error. netgrow's default is 2
 * (warnings and info hidden); an explicit TF_CPP_MIN_LOG_LEVEL wins.
 */
export function quietTensorFlowLogs(): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
}

interface StderrCapture {
  begin(): [number, number];
  end(saved: number, file: number): string;
}

/**
 * Runs `f` (which loads TensorFlow) with stderr captured, then replays what TF_CPP_MIN_LOG_LEVEL
 * lets through. TF 2.21 logs its oneDNN banner from a static initializer through absl, which
 * that variable does not reach (native/stderr_capture.cc).
 */
function withTensorFlowLog<T>(pkg: string, f: () => T): T {
  quietTensorFlowLogs();
  let capture: StderrCapture | null = null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon at a computed path
    capture = require(join(packageDir(pkg)!, 'lib', 'napi-v8', 'netgrow_stderr.node')) as StderrCapture;
  } catch {
    // built by an older build-native.sh: TensorFlow's lines then go straight to stderr
  }
  if (!capture) return f();
  let begun: [number, number];
  try {
    begun = capture.begin();
  } catch {
    // No writable temporary file (a read-only root without TMPDIR): TensorFlow's start-up lines
    // go straight to stderr, and the backend still loads.
    return f();
  }
  const [saved, file] = begun;
  try {
    return f();
  } finally {
    const kept = keptLogLines(capture.end(saved, file), Number(process.env.TF_CPP_MIN_LOG_LEVEL) || 0);
    if (kept) process.stderr.write(kept);
  }
}

/**
 * The lines of an absl/TensorFlow log at or above `minLevel` (0 info, 1 warning, 2 error,
 * 3 fatal only); a record's continuation lines go with it; anything else is kept.
 */
export function keptLogLines(text: string, minLevel: number): string {
  const rank: Record<string, number> = { I: 0, W: 1, E: 2, F: 3 };
  let keep = true;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const record = /^([IWEF])\d{4} /.exec(line);
    if (record) keep = rank[record[1]] >= minLevel;
    else if (line.startsWith('WARNING: All log messages before absl::InitializeLog()')) keep = minLevel < 1;
    if (keep && line !== '') out.push(line);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** The first native package that loads, or why none did (one line). NETGROW_NATIVE=off hides them. */
export function loadNative(): { pkg: string } | { why: string } {
  if (process.env.NETGROW_NATIVE === 'off') return { why: 'off (NETGROW_NATIVE=off)' };
  quietTensorFlowLogs();
  const failures: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    if (!packageDir(pkg)) continue;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- built by scripts/build-native.sh, probed at run time
      withTensorFlowLog(pkg, () => require(pkg) as unknown);
      return { pkg };
    } catch (e) {
      failures.push(`${pkg}: ${firstLine(e)}`);
    }
  }
  if (failures.length > 0) return { why: `${failures.join('; ')} (rebuild: bash scripts/build-native.sh)` };
  return { why: 'not built (bash scripts/build-native.sh compiles it against PyPI TensorFlow)' };
}

/** What the TensorFlow behind `pkg` runs on; `placedOnGpu` comes from the tfjs backend itself. */
export function describeTensorFlow(pkg: string, placedOnGpu: boolean): TensorFlowInfo {
  const d = withTensorFlowLog(pkg, () => infoAddon(pkg).describe());
  const devices = d.devices.map((x) => ({ ...x, name: shortDevice(x.name) }));
  const gpu = devices.find((x) => x.type === 'GPU');
  const cpu = devices.find((x) => x.type === 'CPU');
  const placedOn = (placedOnGpu ? gpu : cpu)?.name ?? (placedOnGpu ? 'GPU' : 'CPU');
  return {
    package: pkg,
    version: d.version,
    onednn: d.onednn,
    intraOpThreads: d.intraOpThreads,
    devices,
    placedOn,
  };
}

/**
 * Why `wanted` GPUs cannot be had on this machine, or null when TensorFlow sees at least that
 * many. Loads TensorFlow (about a second) but not tfjs.
 */
export function gpuShortfall(wanted: number): string | null {
  if (wanted <= 0) return null;
  quietTensorFlowLogs();
  const pkg = NATIVE_PACKAGES.find((p) => packageDir(p) !== null);
  if (!pkg)
    return `${wanted} GPU(s) asked for, but the tensorflow backend is not built here (scripts/build-native.sh)`;
  let seen: number;
  try {
    seen = withTensorFlowLog(pkg, () => infoAddon(pkg).describe()).devices.filter(
      (x) => x.type === 'GPU',
    ).length;
  } catch (e) {
    return `${wanted} GPU(s) asked for, but TensorFlow does not load: ${firstLine(e)}`;
  }
  if (seen >= wanted) return null;
  return `${wanted} GPU(s) asked for, but TensorFlow (${pkg}) sees ${seen} on this machine`;
}

export function formatDevice(d: TensorFlowDevice): string {
  return d.type === 'GPU' ? `${d.name} (${(d.memoryBytes / 2 ** 30).toFixed(1)} GiB)` : d.name;
}

function infoAddon(pkg: string): TfInfoAddon {
  const dir = packageDir(pkg);
  if (!dir) throw new Error(`${pkg} is not installed`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon at a computed path
  return require(join(dir, 'lib', 'napi-v8', 'netgrow_tf_info.node')) as TfInfoAddon;
}

function packageDir(pkg: string): string | null {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return null;
  }
}

/** `/job:localhost/replica:0/task:0/device:GPU:0` → `GPU:0`. */
function shortDevice(name: string): string {
  return name.replace(/^.*device:/, '');
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
