/**
 * The synthetic dataset: generated, deterministic and learnable, for tests and quick runs on
 * machines without data. Each class has a prototype — an oriented grating (orientation and
 * frequency depend on the class) plus a soft blob at a class-specific place, with per-channel
 * weights — and an image is its prototype at a random contrast plus Gaussian pixel noise. The
 * classes are far apart in pixel space, so a small convnet's loss falls within a few dozen steps,
 * yet no single pixel gives the class away. Same name ⇒ same bytes, whatever the run's seed.
 */
import { DataRng } from './rng';
import { RawDataset, RawSplit } from './raw';
import { DatasetEntry, SyntheticSource } from './registry';

export function generateSynthetic(entry: DatasetEntry): RawDataset {
  const { params } = entry.source as SyntheticSource;
  const prototypes = makePrototypes(params.name, params.shape, params.classes);
  return {
    entry,
    train: sample(prototypes, params.shape, params.train, new DataRng(`${params.name}:train`)),
    test: sample(prototypes, params.shape, params.test, new DataRng(`${params.name}:test`)),
    where: 'generated',
    verified: 'generated',
  };
}

function makePrototypes(name: string, [h, w, c]: [number, number, number], classes: number): Float32Array[] {
  const rng = new DataRng(`${name}:prototypes`);
  return Array.from({ length: classes }, (_, k) => {
    const angle = (Math.PI * k) / classes + 0.2 * rng.next();
    const cycles = 1.5 + (k % 3) + rng.next();
    const phase = 2 * Math.PI * rng.next();
    const channel = Array.from({ length: c }, () => (rng.next() < 0.25 ? -1 : 1) * (0.5 + 0.5 * rng.next()));
    const by = h * (0.2 + 0.6 * rng.next());
    const bx = w * (0.2 + 0.6 * rng.next());
    const radius = Math.min(h, w) / 6;
    const p = new Float32Array(h * w * c);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const along = (x / w) * Math.cos(angle) + (y / h) * Math.sin(angle);
        const grating = 0.6 * Math.cos(2 * Math.PI * cycles * along + phase);
        const blob = 0.9 * Math.exp(-((y - by) ** 2 + (x - bx) ** 2) / (2 * radius * radius));
        for (let ch = 0; ch < c; ch++) p[(y * w + x) * c + ch] = channel[ch] * grating + blob;
      }
    }
    return p;
  });
}

function sample(
  prototypes: Float32Array[],
  shape: [number, number, number],
  count: number,
  rng: DataRng,
): RawSplit {
  const per = shape[0] * shape[1] * shape[2];
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % prototypes.length;
  rng.shuffle(labels);
  const images = new Uint8Array(count * per);
  for (let i = 0; i < count; i++) {
    const p = prototypes[labels[i]];
    const contrast = 0.7 + 0.6 * rng.next();
    for (let j = 0; j < per; j++) {
      const v = 128 + 60 * (contrast * p[j] + 0.5 * rng.normal());
      images[i * per + j] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
  return { images, labels, count };
}
