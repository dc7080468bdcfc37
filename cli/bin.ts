#!/usr/bin/env node
// The `lambda-sentinel` command (package.json "bin", compiled to dist/cli/bin.js): no TypeScript at run time.
import { main } from './main';

// The SDK's notice that a future release will need a newer Node.js says nothing about this command's result.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lambda-sentinel: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
