/**
 * Does some node offer what one trainer pod requests? Checked when a worker starts, so that a
 * CPU-only cluster asked for `gpus: 1` (or a node smaller than the cpu/memory request) is named
 * at once rather than after each pod has waited out its unschedulable timeout. Pure: the
 * executor lists the nodes; a warning, not a refusal, since an autoscaler may add the node.
 */
import type { V1Node } from '@kubernetes/client-node';

export interface NodeOffer {
  name: string;
  /** Ready condition True and not cordoned. */
  schedulable: boolean;
  /** The node's `status.allocatable`. */
  allocatable: Record<string, string>;
}

export interface Shortfall {
  resource: string;
  requested: string;
  /** The most any schedulable node offers, as the node reports it ('0' when none has it). */
  most: string;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/** A Kubernetes quantity (`500m`, `2`, `8Gi`, `1e3`) as a number; NaN when it is not one. */
export function quantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+(?:[eE][-+]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return NaN;
  const scale = BINARY[m[2]] ?? DECIMAL[m[2]];
  return scale === undefined ? NaN : Number(m[1]) * scale;
}

/**
 * What keeps the pod off every node: each requested resource no schedulable node offers
 * enough of; empty when one node offers all of it. When every resource is offered somewhere
 * but never all on one node, each is listed with the most any node has.
 */
export function shortfalls(
  nodes: readonly NodeOffer[],
  requests: Record<string, string | number>,
): Shortfall[] {
  const usable = nodes.filter((n) => n.schedulable);
  const wanted = Object.entries(requests).map(([resource, q]) => ({
    resource,
    requested: String(q),
    need: quantity(q),
  }));
  const fits = (n: NodeOffer, r: { resource: string; need: number }) =>
    quantity(n.allocatable[r.resource] ?? '0') >= r.need;
  if (usable.some((n) => wanted.every((r) => fits(n, r)))) return [];
  const most = (resource: string) =>
    usable
      .map((n) => n.allocatable[resource] ?? '0')
      .reduce((a, b) => (quantity(b) > quantity(a) ? b : a), '0');
  const missing = wanted.filter((r) => !usable.some((n) => fits(n, r)));
  return (missing.length > 0 ? missing : wanted).map(({ resource, requested }) => ({
    resource,
    requested,
    most: most(resource),
  }));
}

/** A node as the check sees it. */
export function nodeOffer(node: V1Node): NodeOffer {
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return {
    name: node.metadata?.name ?? '',
    schedulable: ready && node.spec?.unschedulable !== true,
    allocatable: node.status?.allocatable ?? {},
  };
}

/** One line for the worker's log. */
export function describeShortfalls(
  found: readonly Shortfall[],
  nodes: number,
  waitSeconds: number | null,
): string {
  const what = found
    .map((s) => `${s.resource} ${s.requested} (the most a node offers: ${s.most})`)
    .join(', ');
  const wait =
    waitSeconds === null
      ? 'wait Pending until one does'
      : `wait Pending up to ${waitSeconds} s each, then fail`;
  return `warning: none of the ${nodes} node(s) that take pods offers all a trainer pod requests: ${what}; its pods will ${wait}`;
}
