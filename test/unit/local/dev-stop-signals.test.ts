import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DUPLICATE_SIGNAL_WINDOW_MS, watchStopSignals } from '../../../lib/local/runtime/app/dev.js';

/** Signals from an emitter and a clock the test moves: no real signal, no waiting. */
function harness() {
  const source = new EventEmitter();
  let clock = 1_000_000;
  const forced: string[] = [];
  let requested: string | undefined;
  const signals = watchStopSignals({ source, now: () => clock, onForce: (signal) => forced.push(signal) });
  void signals.stopRequested.then((signal) => (requested = signal));
  return {
    signals,
    forced,
    requested: () => requested,
    send: (signal: 'SIGINT' | 'SIGTERM') => source.emit(signal),
    advance: (ms: number) => (clock += ms),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('watchStopSignals (Ctrl-C in npm start)', () => {
  it('takes one Ctrl-C delivered twice (terminal and wrapper) as one: stop, no quitting at once', async () => {
    const h = harness();
    h.send('SIGINT');
    h.send('SIGINT');
    h.advance(DUPLICATE_SIGNAL_WINDOW_MS - 1);
    h.send('SIGTERM');
    await settle();
    expect(h.requested()).toBe('SIGINT');
    expect(h.forced).toEqual([]);
  });

  it('quits at once on a second Ctrl-C after the window', async () => {
    const h = harness();
    h.send('SIGINT');
    h.send('SIGINT');
    h.advance(DUPLICATE_SIGNAL_WINDOW_MS);
    h.send('SIGINT');
    await settle();
    expect(h.requested()).toBe('SIGINT');
    expect(h.forced).toEqual(['SIGINT']);
  });

  it('ignores every signal once stopped: a late copy must not turn a clean stop into "quitting at once"', async () => {
    const h = harness();
    h.send('SIGTERM');
    h.signals.stopped();
    h.advance(5 * DUPLICATE_SIGNAL_WINDOW_MS);
    h.send('SIGINT');
    h.send('SIGTERM');
    await settle();
    expect(h.requested()).toBe('SIGTERM');
    expect(h.forced).toEqual([]);
  });

  it('waits for the first signal before anything', async () => {
    const h = harness();
    h.advance(10 * DUPLICATE_SIGNAL_WINDOW_MS);
    await settle();
    expect(h.requested()).toBeUndefined();
    expect(h.forced).toEqual([]);
  });
});
