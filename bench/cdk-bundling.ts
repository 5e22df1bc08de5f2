/**
 * Bundles a handler the way CDK's NodejsFunction bundles it locally, from the construct's own
 * settings (HANDLER_BUNDLING), for `npm run bench:bundles` and the test that runs a bundle.
 * Why not CDK itself: its bundler is internal to aws-cdk-lib and runs only inside a synth.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, type Metafile, build } from 'esbuild';
import { DEFAULT_FUNCTIONS_DIRECTORY, HANDLER_BUNDLING } from '../lib/constructs/handler-function.js';

/** Where CDK runs esbuild and the command hooks: the project root. */
export const REPOSITORY_ROOT = path.dirname(DEFAULT_FUNCTIONS_DIRECTORY);

/**
 * The esbuild options CDK's NodejsFunction derives from `bundling` (aws-cdk-lib's
 * Bundling.buildEsbuildArgs turns them into CLI flags; these are the same settings for esbuild's
 * API). Options this does not map make it throw rather than build something CDK would not.
 *
 * @example
 * await build({ ...esbuildOptionsFor(HANDLER_BUNDLING), entryPoints: ['functions/record-start/handler.ts'], outfile });
 */
export function esbuildOptionsFor(bundling: Readonly<BundlingOptions>): BuildOptions {
  // commandHooks are not esbuild options: bundleLikeCdk() runs them around the build, as CDK does.
  const mapped = new Set(['format', 'target', 'minify', 'sourceMap', 'sourceMapMode', 'sourcesContent', 'mainFields', 'banner', 'footer', 'externalModules', 'loader', 'define', 'keepNames', 'tsconfig', 'inject', 'commandHooks']);
  const unmapped = Object.keys(bundling).filter((key) => !mapped.has(key) && bundling[key as keyof BundlingOptions] !== undefined);
  if (unmapped.length > 0) throw new Error(`bench/cdk-bundling.ts does not map the bundling option(s) ${unmapped.join(', ')} to esbuild yet; add them as CDK does`);
  // CDK's default externals depend on the runtime and feature flags; ours are always explicit.
  if (bundling.externalModules === undefined) throw new Error('HANDLER_BUNDLING must set externalModules for a bundle to match CDK');
  if (bundling.target === undefined) throw new Error('HANDLER_BUNDLING must set target for a bundle to match CDK');
  const sourcemap = bundling.sourceMapMode ?? bundling.sourceMap;
  return {
    bundle: true,
    platform: 'node',
    target: bundling.target,
    ...(bundling.format === undefined ? {} : { format: bundling.format as BuildOptions['format'] }),
    minify: bundling.minify ?? false,
    // CDK's SourceMapMode.DEFAULT is esbuild's plain --sourcemap (a linked .map file).
    sourcemap: sourcemap === undefined || sourcemap === false ? false : sourcemap === true || sourcemap === 'default' ? true : (sourcemap as BuildOptions['sourcemap']),
    sourcesContent: bundling.sourcesContent ?? true,
    external: [...bundling.externalModules],
    loader: { ...(bundling.loader as BuildOptions['loader']) },
    define: { ...bundling.define },
    keepNames: bundling.keepNames ?? false,
    ...(bundling.tsconfig === undefined ? {} : { tsconfig: bundling.tsconfig }),
    ...(bundling.banner === undefined ? {} : { banner: { js: bundling.banner } }),
    ...(bundling.footer === undefined ? {} : { footer: { js: bundling.footer } }),
    ...(bundling.mainFields === undefined ? {} : { mainFields: [...bundling.mainFields] }),
    ...(bundling.inject === undefined ? {} : { inject: [...bundling.inject] }),
    absWorkingDir: REPOSITORY_ROOT,
    logLevel: 'warning',
  };
}

/** What bundleLikeCdk wrote. */
export interface CdkLikeBundle {
  /** index.mjs (index.js for CommonJS), the handler's file. */
  file: string;
  /** What esbuild put into `file`. */
  metafile: Metafile;
}

/**
 * Bundles `entry` (a file, or source text resolved from a folder) into `outputDir` as CDK would
 * for a function with HANDLER_BUNDLING: the before-bundling commands, esbuild, then the
 * after-bundling commands, each run by bash in the project root as CDK's local bundling runs them.
 *
 * @example
 * const { file } = await bundleLikeCdk('functions/record-start/handler.ts', '/tmp/record-start');
 */
export async function bundleLikeCdk(entry: string | NonNullable<BuildOptions['stdin']>, outputDir: string): Promise<CdkLikeBundle> {
  const options = esbuildOptionsFor(HANDLER_BUNDLING);
  const file = path.join(outputDir, options.format === 'esm' ? 'index.mjs' : 'index.js');
  const hooks = HANDLER_BUNDLING.commandHooks;
  const shell = (commands: string[] = []): void => {
    for (const command of commands) execFileSync('bash', ['-c', command], { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  };
  shell(hooks?.beforeBundling(REPOSITORY_ROOT, outputDir));
  const { metafile } = await build({
    ...options,
    ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: entry }),
    outfile: file,
    metafile: true,
  });
  shell(hooks?.afterBundling(REPOSITORY_ROOT, outputDir));
  return { file, metafile };
}
