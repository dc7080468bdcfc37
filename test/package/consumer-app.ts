import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One entry of package-lock.json's `packages`. */
interface LockedPackage {
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly dev?: boolean;
  readonly devOptional?: boolean;
  readonly peer?: boolean;
  readonly inBundle?: boolean;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

/** What package.json says about the package: its name, version, dependencies and peers. */
export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly bin?: Readonly<Record<string, string>>;
  readonly engines?: Readonly<Record<string, string>>;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly peerDependencies: Readonly<Record<string, string>>;
}

/** The lock path `name` resolves to from the package at lock path `from`, as Node.js looks up node_modules. */
function resolveLocked(packages: Readonly<Record<string, LockedPackage>>, from: string, name: string) {
  for (let dir = from; ;) {
    const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[key]) return key;
    if (!dir) return undefined;
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent < 0 ? '' : dir.slice(0, parent);
  }
}

/**
 * The lock entries of `names` and of everything they depend on, taken from this repository's lock file: the
 * versions its tests ran against, whose tarballs `npm ci` left in npm's cache (a plain `npm install --offline`
 * would need the registry's package metadata, which `npm ci` never fetches).
 */
function lockedClosure(
  packages: Readonly<Record<string, LockedPackage>>,
  names: readonly string[],
): Record<string, LockedPackage> {
  const closure: Record<string, LockedPackage> = {};
  const visit = (key: string) => {
    if (closure[key]) return;
    // In the app these are its production packages: the repository's dev and peer marks do not apply.
    const entry: LockedPackage = {
      ...packages[key],
      dev: undefined,
      devOptional: undefined,
      peer: undefined,
    };
    closure[key] = entry;
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const found = resolveLocked(packages, key, name);
      if (found) visit(found);
      else if (!entry.optionalDependencies?.[name])
        throw new Error(`${name} (needed by ${key}) is not locked`);
    }
  };
  for (const name of names) {
    const key = resolveLocked(packages, '', name);
    if (!key) throw new Error(`${name} is not in the lock file`);
    visit(key);
  }
  return closure;
}

/**
 * Makes `appDir` a CDK app with the packed `tarball` installed by npm, offline: its dependencies come from npm's
 * cache at the versions this repository locks, and its peers (aws-cdk-lib, constructs), which a CDK app has
 * already, are linked from this repository's node_modules rather than unpacked again.
 */
export function installPackedPackage(repoRoot: string, tarball: string, appDir: string): void {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageManifest;
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockedPackage>;
  };
  const dependencies = { [manifest.name]: `file:${tarball}` };
  mkdirSync(appDir, { recursive: true });
  writeFileSync(
    join(appDir, 'package.json'),
    JSON.stringify({ name: 'consumer-app', private: true, dependencies }, null, 2),
  );
  writeFileSync(
    join(appDir, 'package-lock.json'),
    JSON.stringify(
      {
        name: 'consumer-app',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: 'consumer-app', dependencies },
          [`node_modules/${manifest.name}`]: {
            version: manifest.version,
            resolved: `file:${tarball}`,
            license: manifest.license,
            dependencies: manifest.dependencies,
            peerDependencies: manifest.peerDependencies,
            bin: manifest.bin,
            engines: manifest.engines,
          },
          ...lockedClosure(lock.packages, Object.keys(manifest.dependencies)),
        },
      },
      null,
      2,
    ),
  );
  execFileSync(
    'npm',
    ['ci', '--offline', '--legacy-peer-deps', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: appDir, stdio: 'pipe', timeout: 120_000 },
  );
  for (const peer of Object.keys(manifest.peerDependencies)) {
    symlinkSync(join(repoRoot, 'node_modules', peer), join(appDir, 'node_modules', peer), 'dir');
  }
}
