import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleLikeCdk, REPOSITORY_ROOT } from '../../../bench/cdk-bundling.js';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { LOADED_AT_FIRST_USE } from '../../../lib/constructs/handler-function.js';

/**
 * The Encryption SDK is not in a handler's index.mjs: CDK bundles it beside it, into the asset's
 * node_modules (HANDLER_BUNDLING), and the sealer imports it at its first seal or open. This
 * builds a sealer as CDK builds a handler, into a folder outside the repository (so no other
 * node_modules can stand in), and seals and opens with it in a fresh node.
 */
const asset = mkdtempSync(path.join(tmpdir(), 'wardflow-bundled-sealer-'));
afterAll(() => rmSync(asset, { recursive: true, force: true }));

const ENTRY = `import { EncryptionSdkSealer } from './shared/crypto/envelope-sealer.js';
export async function roundTrip(keyBase64, value) {
  const sealer = EncryptionSdkSealer.rawAes({ keyName: 'bundle-test', keyNamespace: 'wardflow-test', key: Buffer.from(keyBase64, 'base64') });
  const context = { stream: 'execution#bundled', version: 1 };
  const sealed = await sealer.seal(value, context);
  return { sealed, opened: await sealer.open(sealed, context) };
}
`;

describe('a handler bundle as CDK builds it', () => {
  it('leaves the Encryption SDK out of index.mjs and loads it from beside it at the first seal', async () => {
    const { file, metafile } = await bundleLikeCdk(
      { contents: ENTRY, loader: 'ts', resolveDir: path.join(REPOSITORY_ROOT, 'functions'), sourcefile: 'bundled-sealer.ts' },
      asset,
    );
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((p) => p.includes('functions/shared/crypto/envelope-sealer.ts'))).toBe(true);
    expect(inputs.filter((p) => /@aws-crypto\/(client-node|material-management|kms-keyring|serialize)/.test(p))).toEqual([]);
    for (const name of LOADED_AT_FIRST_USE) {
      expect(existsSync(path.join(asset, 'node_modules', name, 'index.mjs')), name).toBe(true);
    }

    const key = randomBytes(32);
    const value = { invoiceText: 'Invoice 7 from ACME, 12.00 EUR' };
    const script = `const { roundTrip } = await import(${JSON.stringify(pathToFileURL(file).href)});
process.stdout.write(JSON.stringify(await roundTrip(process.argv[1], ${JSON.stringify(value)})));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, key.toString('base64')], {
      cwd: asset,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(run.status, run.stderr).toBe(0);
    const { sealed, opened } = JSON.parse(run.stdout) as { sealed: string; opened: unknown };
    expect(opened).toEqual(value);
    // The bundled SDK writes what the sources' SDK reads.
    const sources = EncryptionSdkSealer.rawAes({ keyName: 'bundle-test', keyNamespace: 'wardflow-test', key });
    expect(await sources.open(sealed, { stream: 'execution#bundled', version: 1 })).toEqual(value);
  }, 120_000);
});
