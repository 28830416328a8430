/**
 * Memory figures for logs and benchmarks: what a loaded dataset holds, and what the process
 * holds now and at its peak (getrusage's max RSS, so a transient spike while decoding counts).
 */
export interface MemoryReport {
  datasetBytes: number;
  rssBytes: number;
  peakRssBytes: number;
  heapUsedBytes: number;
  /** ArrayBuffers outside the JS heap: where Float32Array datasets live. */
  arrayBuffersBytes: number;
}

export function memoryReport(dataset?: { bytes: number }): MemoryReport {
  const m = process.memoryUsage();
  return {
    datasetBytes: dataset?.bytes ?? 0,
    rssBytes: m.rss,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsedBytes: m.heapUsed,
    arrayBuffersBytes: m.arrayBuffers,
  };
}

const MiB = 1024 * 1024;

/** One line for a console: `dataset 172.3 MiB, rss 410.0 MiB (peak 455.2 MiB)`. */
export const formatMemory = (r: MemoryReport): string =>
  `dataset ${(r.datasetBytes / MiB).toFixed(1)} MiB, rss ${(r.rssBytes / MiB).toFixed(1)} MiB (peak ${(r.peakRssBytes / MiB).toFixed(1)} MiB)`;
