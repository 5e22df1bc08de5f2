import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDataFolder } from '../../../lib/local/data-folder.js';

describe('resolveDataFolder', () => {
  it('takes --data-dir, then WARDFLOW_DATA_DIR, then .wardflow/ in the working folder', () => {
    expect(resolveDataFolder('/tmp/flag', { WARDFLOW_DATA_DIR: '/tmp/env' })).toBe('/tmp/flag');
    expect(resolveDataFolder(undefined, { WARDFLOW_DATA_DIR: '/tmp/env' })).toBe('/tmp/env');
    expect(resolveDataFolder(undefined, {})).toBe(resolve('.wardflow'));
  });

  it('treats an empty value as unset, never making the working folder itself the data folder', () => {
    expect(resolveDataFolder('', { WARDFLOW_DATA_DIR: '' })).toBe(resolve('.wardflow'));
    expect(resolveDataFolder(undefined, { WARDFLOW_DATA_DIR: '' })).toBe(resolve('.wardflow'));
  });
});
