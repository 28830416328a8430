/**
 * Chooses the tfjs backend: `tensorflow` (tfjs-node-gpu / tfjs-node, optional dependencies that
 * need libtensorflow at install time) when importable, else `wasm` (ships its binaries in the
 * npm package), else `cpu` (pure JS, a fallback only). Override with `prefer` or
 * NETGROW_BACKEND. The choice is always logged: a run that silently fell back to `cpu` would
 * be a week-long surprise.
 */
import { tf } from '../model/tf';
import { KernelMode, registerNetgrowKernels } from './kernels';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  kernels: 'fast' | 'shim' | 'native';
  threads: number;
}

export interface InitBackendOptions {
  prefer?: BackendName;
  kernels?: 'fast' | 'shim';
  log?: (line: string) => void;
}

let chosen: BackendInfo | null = null;

function tryRequire(name: string): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional dependency, probed at run time
    require(name);
    return true;
  } catch {
    return false;
  }
}

async function activate(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      if (!tryRequire('@tensorflow/tfjs-node-gpu') && !tryRequire('@tensorflow/tfjs-node')) return false;
    } else if (name === 'wasm') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when chosen
      require('@tensorflow/tfjs-backend-wasm');
    }
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

function wasmThreads(): number {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- already loaded by activate()
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount?: () => number };
    return wasm.getThreadsCount?.() ?? 1;
  } catch {
    return 1;
  }
}

/** Switches the wasm gradient kernels (benchmarks compare them in one process). */
export function useKernels(mode: KernelMode): void {
  registerNetgrowKernels(mode);
  if (chosen?.name === 'wasm') chosen = { ...chosen, kernels: mode };
}

export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  if (chosen) return chosen;
  const log = opts.log ?? ((line: string) => console.error(line));
  const wanted = (opts.prefer ?? process.env.NETGROW_BACKEND) as BackendName | undefined;
  if (wanted && !['tensorflow', 'wasm', 'cpu'].includes(wanted)) {
    throw new Error(`unknown backend '${wanted}': use tensorflow, wasm or cpu`);
  }
  const order: BackendName[] = wanted ? [wanted] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    if (await activate(name)) {
      await tf.ready();
      let kernels: BackendInfo['kernels'] = 'native';
      if (name === 'wasm') {
        kernels = opts.kernels ?? ((process.env.NETGROW_WASM_KERNELS as KernelMode | undefined) || 'fast');
        registerNetgrowKernels(kernels);
      }
      chosen = { name, kernels, threads: name === 'wasm' ? wasmThreads() : 1 };
      log(
        `backend: ${name}${name === 'wasm' ? ` (netgrow ${kernels} conv gradients, ${chosen.threads} thread)` : ''}`,
      );
      return chosen;
    }
  }
  throw new Error(
    wanted === 'tensorflow'
      ? 'backend tensorflow is not available: @tensorflow/tfjs-node(-gpu) is not installed (it needs libtensorflow at install time)'
      : `backend ${wanted} could not start`,
  );
}
