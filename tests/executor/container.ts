/** The trainer container's status as a kubelet writes it, for pod-state fixtures. */
import type { V1ContainerState, V1ContainerStatus } from '@kubernetes/client-node';

export function trainerStatus(state: V1ContainerState): V1ContainerStatus {
  return { name: 'trainer', image: 'i', imageID: '', ready: false, restartCount: 0, state };
}
