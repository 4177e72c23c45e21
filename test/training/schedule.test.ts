import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fallsSteadily, UpdateSchedule } from '../../src-core/training/schedule.ts';

const sequence = (s: UpdateSchedule, n: number) => Array.from({ length: n }, (_, i) => s.ratioAt(i)).map((r) => `${r.d}:${r.g}`);

describe('update schedules', () => {
  it('fixed 1:5 gives five generator updates per discriminator update, every iteration', () => {
    assert.deepEqual(sequence(new UpdateSchedule({ kind: 'fixed', ratio: { d: 1, g: 5 } }), 3), ['1:5', '1:5', '1:5']);
  });

  it('phased: 5:2 for the first 25 iterations, then 2:1 (SPEC §8 WDCGAN)', () => {
    const s = new UpdateSchedule({ kind: 'phased', first: { d: 5, g: 2 }, iterations: 25, then: { d: 2, g: 1 } });
    const seq = sequence(s, 27);
    assert.deepEqual(seq.slice(0, 25), Array(25).fill('5:2'));
    assert.deepEqual(seq.slice(25), ['2:1', '2:1']);
  });

  it('adaptive: early ratio until the estimate falls steadily, then the late ratio for good', () => {
    const s = new UpdateSchedule({ kind: 'adaptive', early: { d: 5, g: 1 }, late: { d: 1, g: 5 }, window: 10, steadiness: 0.6 });
    // Noisy and flat for 30 iterations: no switch.
    for (let i = 0; i < 30; i++) s.observe(i, i % 2 ? 1 : -1);
    assert.equal(s.switchIteration, null);
    assert.equal(s.ratioAt(30), s.config.kind === 'adaptive' ? s.config.early : null);
    // Then a steady fall: switches once the window holds a falling run.
    let i = 30;
    while (s.switchIteration === null && i < 100) s.observe(i, 10 - 0.1 * i++);
    assert.ok(s.switchIteration !== null && s.switchIteration <= 45, `switched at ${s.switchIteration}`);
    const at = s.switchIteration!;
    assert.equal(sequence(s, at + 2).slice(0, at).every((r) => r === '5:1'), true);
    assert.deepEqual(sequence(s, at + 2).slice(at), ['1:5', '1:5']);
    // Latched: a rise afterwards does not switch back.
    for (let j = 0; j < 20; j++) s.observe(i + j, j);
    assert.deepEqual(s.ratioAt(i + 25), { d: 1, g: 5 });
  });

  it('adaptive state survives a save and restore', () => {
    const cfg = { kind: 'adaptive', early: { d: 5, g: 1 }, late: { d: 1, g: 5 }, window: 5, steadiness: 0.6 } as const;
    const a = new UpdateSchedule(cfg);
    const b = new UpdateSchedule(cfg);
    [3, 2.5, 2.4].forEach((v, i) => a.observe(i, v));
    b.setState(a.getState());
    [2.2, 2.0, 1.9].forEach((v, i) => {
      a.observe(i + 3, v);
      b.observe(i + 3, v);
    });
    assert.equal(a.switchIteration, b.switchIteration);
    assert.notEqual(a.switchIteration, null);
  });

  it('fallsSteadily needs both a negative slope and a strong correlation', () => {
    assert.equal(fallsSteadily([5, 4, 3, 2, 1], 0.6), true);
    assert.equal(fallsSteadily([1, 2, 3, 4, 5], 0.6), false);
    assert.equal(fallsSteadily([5, 1, 5, 1, 4], 0.6), false);
    assert.equal(fallsSteadily([2, 2, 2, 2], 0.6), false);
  });
});
