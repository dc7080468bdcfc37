import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { BundlingOptions, NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';

/** The Lambda runtime the scanner runs on; it also sets esbuild's target (node24). */
export const SCANNER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * The scanner's esbuild options, the one place they are set: the construct bundles with them from source in a
 * checkout, and `npm run build` bundles with them, through the same NodejsFunction, the copy the package ships.
 */
export const SCANNER_BUNDLING: BundlingOptions = {
  minify: true,
  sourceMap: true,
  // The Node.js 24 runtime provides the AWS SDK for JavaScript v3 with every API the scanner calls: leaving it out
  // (--external:@aws-sdk/*) makes the code about 6x smaller and loads no slower (README, "The scanner's code").
  bundleAwsSDK: false,
};

/** The scanner's handler, relative to this file: present in a checkout of the repository, absent from the package. */
export const SCANNER_ENTRY = path.join(__dirname, '..', 'functions', 'scanner', 'index.ts');

/**
 * Where the package carries the prebuilt bundle: `dist/scanner-bundle`, beside `dist/lib` that holds this file once
 * compiled (`npm run build` writes it).
 */
export const SCANNER_BUNDLE_DIR = path.join(__dirname, '..', 'scanner-bundle');

/** The file of the bundle that holds the handler (`index.handler`), as NodejsFunction names it. */
export const SCANNER_BUNDLE_FILE = 'index.js';

/** NodejsFunction props that bundle the scanner from its TypeScript `entry` with SCANNER_BUNDLING. */
export function scannerFromSource(entry: string): NodejsFunctionProps {
  return { entry, handler: 'index.handler', runtime: SCANNER_RUNTIME, bundling: SCANNER_BUNDLING };
}

/**
 * The scanner's code for NodejsFunction: bundled from source in a checkout (so an edit is deployed as it is), and
 * the prebuilt bundle when the construct runs from the installed package, whose synth then needs neither the
 * sources nor esbuild.
 */
export function scannerCode(): NodejsFunctionProps {
  if (fs.existsSync(SCANNER_ENTRY)) return scannerFromSource(SCANNER_ENTRY);
  if (!fs.existsSync(path.join(SCANNER_BUNDLE_DIR, SCANNER_BUNDLE_FILE))) {
    throw new Error(
      `lambda-sentinel: neither the scanner's source (${SCANNER_ENTRY}) nor its prebuilt bundle ` +
        `(${SCANNER_BUNDLE_DIR}) is there; in a checkout, run 'npm run build'`,
    );
  }
  return {
    code: lambda.Code.fromAsset(SCANNER_BUNDLE_DIR),
    handler: 'index.handler',
    runtime: SCANNER_RUNTIME,
  };
}
