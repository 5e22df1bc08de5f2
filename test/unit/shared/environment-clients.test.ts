import { describe, expect, it } from 'vitest';
import { environmentClient, forgetEnvironmentClients, onForgetEnvironment } from '../../../functions/shared/environment-clients.js';

describe('environmentClient', () => {
  it('builds once from the environment, and again after forgetEnvironmentClients', () => {
    let endpoint = 'http://127.0.0.1:1';
    const client = environmentClient(() => ({ endpoint }));
    const first = client.get();
    expect(client.get()).toBe(first);
    endpoint = 'http://127.0.0.1:2';
    expect(client.get().endpoint).toBe('http://127.0.0.1:1');
    forgetEnvironmentClients();
    expect(client.get().endpoint).toBe('http://127.0.0.1:2');
  });

  it('prefers a replacement until it is withdrawn or forgotten', () => {
    const client = environmentClient(() => 'built');
    client.use('replacement');
    expect(client.get()).toBe('replacement');
    client.use(undefined);
    expect(client.get()).toBe('built');
    client.use('replacement');
    forgetEnvironmentClients();
    expect(client.get()).toBe('built');
  });

  it('forgets registered caches along with the clients', () => {
    const cache = new Map([['k', 'v']]);
    onForgetEnvironment(() => cache.clear());
    forgetEnvironmentClients();
    expect(cache.size).toBe(0);
  });
});
