#!/usr/bin/env node
// Launcher for the `lambda-sentinel` command (package.json "bin"): runs the TypeScript CLI in place,
// transpile-only (type checking is `npm run lint`'s job), so there is no build step to forget.
require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = require('../cli/main.ts');

main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`lambda-sentinel: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
