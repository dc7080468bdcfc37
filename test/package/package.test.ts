import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';
import { undoCommandLine } from '../../functions/scanner/remediate/action-text';
import { installPackedPackage, type PackageManifest } from './consumer-app';

// Packing, installing and running a fresh app take seconds each on a loaded 2-core machine.
jest.setTimeout(120_000);

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageManifest;
const [binName = ''] = Object.keys(manifest.bin ?? {});

/** The README's construct example: the TypeScript block of its Install section that adds a LambdaSentinel. */
function readmeConstructExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const install = readme.slice(readme.indexOf('\n## Install\n'), readme.indexOf('\n## Deploy\n'));
  const example = [...install.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? '')
    .find((code) => code.includes('new LambdaSentinel('));
  if (example === undefined) throw new Error("README's Install section has no LambdaSentinel example");
  return example;
}

/** The environment a user's shell would give a command: none of the test run's CDK or npm settings. */
function userEnvironment(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(CDK_|npm_|JEST_)/i.test(key) && key !== 'NODE_OPTIONS'),
  );
  return { ...env, ...extra };
}

/**
 * Starts tsc on the example plus one prop of the wrong type, which only real declarations (not `any`) reject; it
 * runs while the other tests do, being the slowest step.
 */
function startTypeCheck(appDir: string, example: string): Promise<{ status: number | null; stdout: string }> {
  writeFileSync(
    join(appDir, 'app-typed.ts'),
    `${example}\n// @ts-expect-error pendingMinutes is a number\nnew LambdaSentinel(stack, 'Typed', { pendingMinutes: 'ten' });\n`,
  );
  const tsc = spawn(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      ...['--noEmit', '--strict', '--skipLibCheck', '--module', 'commonjs', '--moduleResolution', 'node'],
      ...['--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types')],
      'app-typed.ts',
    ],
    { cwd: appDir },
  );
  let stdout = '';
  tsc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve, reject) => {
    tsc.on('error', reject);
    tsc.on('close', (status) => resolve({ status, stdout }));
  });
}

describe(`the packed ${manifest.name} package, installed into a fresh CDK app`, () => {
  let workDir: string;
  let appDir: string;
  let tarball: string;
  let example: string;
  let typeCheck: Promise<{ status: number | null; stdout: string }>;

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'lambda-sentinel-package-'));
    appDir = join(workDir, 'app');
    // Builds only when dist/ is older than the sources (npm ci's prepare usually built it already).
    execFileSync(process.execPath, [join(root, 'scripts', 'build.js'), '--if-stale'], {
      cwd: root,
      stdio: 'pipe',
      env: userEnvironment(),
    });
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', workDir, '--loglevel=error'], {
      cwd: root,
      stdio: 'pipe',
    });
    const [packed] = readdirSync(workDir).filter((name) => name.endsWith('.tgz'));
    if (!packed) throw new Error('npm pack wrote no tarball');
    tarball = join(workDir, packed);
    installPackedPackage(root, tarball, appDir);
    example = readmeConstructExample();
    typeCheck = startTypeCheck(appDir, example);
  });

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it("synthesizes the README's example with the scanner bundle the package ships, without the sources or esbuild", () => {
    const appFile = join(appDir, 'app.js');
    writeFileSync(
      appFile,
      ts.transpileModule(example, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      }).outputText,
    );
    const outdir = join(appDir, 'cdk.out');

    // What `cdk synth` does: run the app with CDK_OUTDIR set. CDK's own template validation (seconds of
    // WebAssembly) is off; the repository's cdk-nag tests check the same template.
    const synth = spawnSync(process.execPath, [appFile], {
      cwd: appDir,
      encoding: 'utf8',
      env: userEnvironment({ CDK_OUTDIR: outdir, CDK_VALIDATION: 'false' }),
    });

    expect(synth.stderr).not.toMatch(/Bundling asset|esbuild/);
    expect(synth.status).toBe(0);
    const [stackName] = readdirSync(outdir)
      .filter((name) => name.endsWith('.template.json'))
      .map((name) => name.replace('.template.json', ''));
    const template = JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const scanners = Object.values(template.Resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        String(resource.Properties.Description).startsWith('lambda-sentinel: scans'),
    );
    expect(scanners).toHaveLength(1);
    const scanner = scanners[0]?.Properties ?? {};
    expect(scanner).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
    });
    // The function's code is the asset CDK staged from the installed package's bundle, byte for byte.
    const assetHash = String((scanner.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
    const staged = readFileSync(join(outdir, `asset.${assetHash}`, 'index.js'), 'utf8');
    const shipped = readFileSync(
      join(appDir, 'node_modules', manifest.name, 'dist', 'scanner-bundle', 'index.js'),
      'utf8',
    );
    expect(staged).toBe(shipped);
    expect(staged).toContain('exports'); // a CommonJS bundle, not an empty placeholder
  });

  it(`runs the installed ${binName} command from outside the repository: --help, a typo, and the demo`, () => {
    const bin = join(appDir, 'node_modules', '.bin', binName);
    const run = (args: string[]) =>
      spawnSync(bin, args, { cwd: appDir, encoding: 'utf8', env: userEnvironment() });

    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: lambda-sentinel <command> \[options\]/);
    expect(help.stdout).toMatch(/^ {2}demo +Scan a built-in simulated account/m);
    expect(help.stderr).toBe('');

    const typo = run(['dmeo']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toBe(
      "lambda-sentinel: unknown command 'dmeo'\nDid you mean 'demo'? Run 'lambda-sentinel --help' for the commands.\n",
    );

    const demo = run(['demo']);
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain('Findings (10)');
    expect(demo.stdout).toMatch(/Subject: \[CRITICAL\] lambda-sentinel 123456789012 eu-west-1: /);
  });

  it('runs the undo command line an alert prints, as printed, with npx in that app', () => {
    const printed = undoCommandLine('20301231T1205-3f9c2b1e', {
      tableName: 'LambdaSentinel-StateTable',
      region: 'eu-west-1',
    });
    const [npx, ...args] = printed.split(' ');
    expect(npx).toBe('npx');
    expect(args[0]).toBe(manifest.name);

    // --help: the command and its subcommand exist; nothing is sent to AWS. Offline: npx must find the local bin.
    const undo = spawnSync('npx', [...args, '--help'], {
      cwd: appDir,
      encoding: 'utf8',
      env: userEnvironment({ npm_config_offline: 'true' }),
    });

    expect(undo.status).toBe(0);
    expect(undo.stdout).toMatch(/^Usage: lambda-sentinel undo <action-id>/);
  });

  it('type-checks the example against the declarations the package ships', async () => {
    const { status, stdout } = await typeCheck;

    expect(stdout).toBe('');
    expect(status).toBe(0);
  });
});
