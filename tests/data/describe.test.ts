import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeDatasets } from '../../src/data';
import { isolated, tempDir, writeIdxDataset } from './formats';

test('describeDatasets: every registry dataset, where it is or the command that installs it', async (t) => {
  const dir = tempDir(t);
  writeIdxDataset(join(dir, 'cache', 'mnist'), { train: 2, test: 1 });
  const infos = await describeDatasets(isolated(dir));
  assert.deepEqual(
    infos.map((i) => i.name),
    ['mnist', 'fashion-mnist', 'cifar10', 'cifar100', 'svhn', 'synthetic'],
  );
  const by = Object.fromEntries(infos.map((i) => [i.name, i]));
  assert.deepEqual(by.mnist, {
    name: 'mnist',
    inputShape: [28, 28, 1],
    classes: 10,
    available: true,
    where: join(dir, 'cache', 'mnist'),
    fix: null,
  });
  assert.deepEqual(by['fashion-mnist'], {
    name: 'fashion-mnist',
    inputShape: [28, 28, 1],
    classes: 10,
    available: false,
    where: null,
    fix: 'apt-get install dataset-fashion-mnist',
  });
  assert.equal(by.cifar100.classes, 100);
  assert.equal(by.cifar10.fix, 'netgrow datasets --download cifar10');
  assert.deepEqual(
    { available: by.synthetic.available, where: by.synthetic.where },
    { available: true, where: 'generated' },
  );
  // The JSON `netgrow datasets --json` prints round-trips.
  assert.deepEqual(JSON.parse(JSON.stringify(infos)), infos);
});
