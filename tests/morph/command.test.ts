import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCommand, parseCommand, parseCommandJson, parseCommands, toCommands } from '../../src/morph';
import { commandError } from './support/check';

describe('command text form', () => {
  test('every operation parses, with defaults, and prints back canonically', () => {
    const cases: Array<[string, object, string?]> = [
      ['wider conv3 x2', { op: 'wider', node: 'conv3', ratio: 2, init: 'net2wider', noise: 0.05 }],
      [
        'wider fc1 2048 init=random-pad',
        { op: 'wider', node: 'fc1', width: 2048, init: 'random-pad', noise: 0.05 },
      ],
      ['wider conv1 x1.5 noise=0', { op: 'wider', node: 'conv1', ratio: 1.5, init: 'net2wider', noise: 0 }],
      ['deeper fc1', { op: 'deeper', node: 'fc1', kernel: 3 }],
      ['deeper conv2 pool=max', { op: 'deeper', node: 'conv2', kernel: 3, pool: 'max' }],
      ['deeper conv2 kernel=5', { op: 'deeper', node: 'conv2', kernel: 5 }],
      ['kernel conv2 5', { op: 'kernel', node: 'conv2', size: 5 }],
      ['skip conv1 conv3', { op: 'skip', from: 'conv1', to: 'conv3' }],
      ['group conv2 3', { op: 'group', node: 'conv2', groups: 3, kernel: 3 }],
      ['branch conv2', { op: 'branch', node: 'conv2' }],
      ['branch conv2 width=8', { op: 'branch', node: 'conv2', width: 8 }],
      ['insert conv1 bn', { op: 'insert', node: 'conv1', layer: 'bn' }],
      ['insert conv1 dropout=0.3', { op: 'insert', node: 'conv1', layer: 'dropout', rate: 0.3 }],
      ['insert @pool1 maxpool', { op: 'insert', node: '@pool1', layer: 'maxpool' }],
      ['  deeper   conv2  ', { op: 'deeper', node: 'conv2', kernel: 3 }, 'deeper conv2'],
    ];
    for (const [text, want, canonical] of cases) {
      const c = parseCommand(text);
      assert.deepEqual(c, want, text);
      assert.equal(formatCommand(c), canonical ?? text);
      assert.deepEqual(parseCommand(formatCommand(c)), c);
    }
  });

  test('a sequence splits on ";" and newlines and skips empty pieces', () => {
    const cs = parseCommands('deeper conv2; deeper fc1;\nwider conv3 x2;;');
    assert.deepEqual(cs.map(formatCommand), ['deeper conv2', 'deeper fc1', 'wider conv3 x2']);
  });

  test('malformed commands name the command and what is wrong', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['', 'syntax', /empty command/],
      ['widen conv3 x2', 'unknown_op', /unknown operation 'widen'; operations are wider, deeper/],
      ['wider conv3', 'syntax', /wider takes 2 argument\(s\), received 1 \(usage: wider <layer>/],
      ['wider conv3 y2', 'bad_argument', /width is a positive integer or x<ratio> .*received 'y2'/],
      ['wider conv3 x', 'bad_argument', /width is a positive integer or x<ratio> .*received 'x'/],
      ['wider conv3 xtwo', 'bad_argument', /the ratio must be a number, received 'two'/],
      ['wider conv3 0', 'bad_argument', /width Too small/],
      ['wider conv3 x2 init=zeros', 'bad_argument', /init Invalid option.*received "zeros"/],
      ['wider conv3 x2 noise=-1', 'bad_argument', /noise Too small/],
      ['wider conv3 x2 seed=3', 'bad_option', /unknown option 'seed'; wider takes init=, noise=/],
      ['wider conv3 x2 noise=0 noise=1', 'bad_option', /option 'noise' is given twice/],
      ['deeper conv2 kernel=4', 'bad_argument', /kernel must be odd/],
      ['deeper conv2 pool=min', 'bad_argument', /pool Invalid option/],
      ['kernel conv2 five', 'bad_argument', /kernel size must be a number, received 'five'/],
      ['skip conv1', 'syntax', /skip takes 2 argument\(s\), received 1/],
      ['skip conv1 conv2 x=1', 'bad_option', /skip takes no options/],
      ['group conv2 7', 'bad_argument', /groups must be 2 to 5 \(received 7\)/],
      ['group conv2 1', 'bad_argument', /groups must be 2 to 5 \(received 1\)/],
      ['insert conv1 dropout', 'bad_argument', /dropout needs a rate: `dropout=0.3`/],
      ['insert conv1 dropout=1', 'bad_argument', /rate Too big/],
      ['insert conv1 relu', 'bad_argument', /layer Invalid option.*received "relu"/],
      ['deeper conv#2', 'bad_argument', /node a layer is `convK`, `fcK` or `@<stable id>`/],
    ];
    for (const [text, code, pattern] of cases) {
      const e = commandError(() => parseCommand(text));
      assert.equal(e.code, code, `${text}: ${e.message}`);
      assert.match(e.message, pattern, text);
      assert.ok(e.message.startsWith(`\`${text.trim()}\``), e.message);
    }
  });
});

describe('command JSON form', () => {
  test('objects validate to the same commands as text', () => {
    assert.deepEqual(
      parseCommandJson({ op: 'wider', node: 'conv3', ratio: 2 }),
      parseCommand('wider conv3 x2'),
    );
    assert.deepEqual(
      parseCommandJson({ op: 'insert', node: 'conv1', layer: 'dropout', rate: 0.3 }),
      parseCommand('insert conv1 dropout=0.3'),
    );
    assert.deepEqual(
      toCommands(['deeper conv2', { op: 'skip', from: 'conv1', to: 'conv3' }]).map(formatCommand),
      ['deeper conv2', 'skip conv1 conv3'],
    );
  });

  test('errors quote the object and name the field', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ op: 'grow', node: 'conv1' }, 'unknown_op', /`op` must be one of wider, deeper, .*received "grow"/],
      [{ node: 'conv1' }, 'unknown_op', /`op` must be one of/],
      [42, 'unknown_op', /command 42: `op` must be one of/],
      [{ op: 'wider', node: 'conv3' }, 'bad_argument', /give exactly one of `width` .* or `ratio`/],
      [{ op: 'wider', node: 'conv3', width: 8, ratio: 2 }, 'bad_argument', /give exactly one of/],
      [{ op: 'deeper', node: 'conv2', depth: 2 }, 'bad_option', /unknown field\(s\) depth/],
      [{ op: 'group', node: 'conv2', groups: 9 }, 'bad_argument', /`groups` must be 2 to 5/],
      [
        { op: 'insert', node: 'conv1', layer: 'bn', rate: 0.2 },
        'bad_argument',
        /a dropout layer needs `rate`/,
      ],
    ];
    for (const [raw, code, pattern] of cases) {
      const e = commandError(() => parseCommandJson(raw));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, pattern);
      assert.ok(e.message.startsWith(`command ${JSON.stringify(raw)}`), e.message);
    }
  });
});
