// The lock file pins SDK releases that run on this machine's Node 20; their notice about future releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// Scanner code logs one JSON line per phase; keep test output readable. Tests that assert on logs spy themselves.
beforeEach(() => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
});

// Synthesizing the stack bundles the scanner with esbuild, a second or more on a loaded machine, in every test that
// builds an App. CDK reads extra context from CDK_CONTEXT_JSON, and `aws:cdk:bundling-stacks` naming no stack skips
// bundling (the asset is staged as a placeholder); the template is the same. The test that checks the bundle
// itself builds its App with the stacks to bundle named.
process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:bundling-stacks': [] });

// CDK validates every synthesized template against CloudFormation's schemas (seconds of WebAssembly per synth, two
// thirds of a stack test's time). test/lib/template-validation.test.ts runs that validation, as errors, on every stack
// the app can synthesize; the other tests leave it off.
process.env.CDK_VALIDATION = 'false';
