#!/usr/bin/env node
// @ts-check
// `npm run build`: compiles the construct and the CLI into dist/ (JavaScript and type declarations) and prebuilds
// the scanner's bundle into dist/scanner-bundle, which the construct deploys when it runs from the installed package.
// With --if-stale (npm's `prepare`, `npm run demo`, the package test) it does nothing when dist/ was built from the
// sources as they are now: a content hash of every input is kept in dist/.build-hash.
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const hashFile = path.join(dist, '.build-hash');
const SOURCE_DIRS = ['lib', 'cli', 'functions', 'sim'];
const SOURCE_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts/build.js',
];

/** Every file under `dir`, relative to the repository, in a stable order. */
function filesUnder(dir) {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) =>
      entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
    );
}

/** A hash of every input of the build: names and contents. */
function inputHash() {
  const hash = createHash('sha256');
  for (const file of [...SOURCE_DIRS.flatMap(filesUnder), ...SOURCE_FILES]) {
    hash.update(`${file}\0`);
    if (fs.existsSync(path.join(root, file))) hash.update(fs.readFileSync(path.join(root, file)));
  }
  return hash.digest('hex');
}

/** Compiles lib/, cli/, functions/ and sim/ into dist/ with tsconfig.build.json. */
function compile() {
  const tsc = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')],
    { cwd: root, stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error(`tsc failed (exit ${tsc.status})`);
}

/**
 * Bundles the scanner through the same NodejsFunction, with the same options (lib/scanner-code.ts), as a synth in
 * this repository does, and copies CDK's staged asset into dist/scanner-bundle.
 */
function bundleScanner() {
  // A caller's CDK_CONTEXT_JSON (the tests' setup turns bundling off with it) must not reach this App; and CDK's
  // template validation (seconds of WebAssembly) has nothing to say about a stack made only to stage the bundle.
  delete process.env.CDK_CONTEXT_JSON;
  process.env.CDK_VALIDATION = 'false';
  const { App, Stack } = require('aws-cdk-lib');
  const { NodejsFunction } = require('aws-cdk-lib/aws-lambda-nodejs');
  /** @type {typeof import('../lib/scanner-code')} */
  const scannerCode = require(path.join(dist, 'lib', 'scanner-code.js'));
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-sentinel-bundle-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'ScannerBundle');
    new NodejsFunction(
      stack,
      'Scanner',
      scannerCode.scannerFromSource(path.join(root, 'functions', 'scanner', 'index.ts')),
    );
    app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'ScannerBundle.assets.json'), 'utf8'));
    const [asset] = Object.values(manifest.files).filter((file) => file.source.packaging === 'zip');
    if (!asset) throw new Error('the synth staged no scanner bundle');
    const staged = path.join(outdir, asset.source.path);
    const target = path.join(dist, path.basename(scannerCode.SCANNER_BUNDLE_DIR));
    fs.cpSync(staged, target, { recursive: true });
    if (!fs.existsSync(path.join(target, scannerCode.SCANNER_BUNDLE_FILE))) {
      throw new Error(`the scanner bundle has no ${scannerCode.SCANNER_BUNDLE_FILE}`);
    }
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function build() {
  const ifStale = process.argv.includes('--if-stale');
  const hash = inputHash();
  if (ifStale && fs.existsSync(hashFile) && fs.readFileSync(hashFile, 'utf8') === hash) return;
  const started = Date.now();
  // Files of deleted sources must not linger in the package.
  fs.rmSync(dist, { recursive: true, force: true });
  compile();
  bundleScanner();
  fs.writeFileSync(hashFile, hash);
  console.error(`lambda-sentinel: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  build();
} catch (error) {
  console.error(`lambda-sentinel build: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
