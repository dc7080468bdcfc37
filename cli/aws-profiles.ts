import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './command';
import { nearestName } from './nearest-name';

/** The shared files the AWS SDK reads named profiles from, and the names it finds there. */
export interface SharedProfiles {
  /** The config file: AWS_CONFIG_FILE, else ~/.aws/config. */
  readonly configFile: string;
  /** The credentials file: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials. */
  readonly credentialsFile: string;
  /** Every profile defined in either, sorted. */
  readonly names: readonly string[];
}

/** The home directory as the SDK finds it: HOME, USERPROFILE, HOMEDRIVE + HOMEPATH, then the operating system's. */
function homeDirectory(env: NodeJS.ProcessEnv): string {
  if (env.HOME) return env.HOME;
  if (env.USERPROFILE) return env.USERPROFILE;
  if (env.HOMEPATH) return `${env.HOMEDRIVE ?? 'C:\\'}${env.HOMEPATH}`;
  return homedir();
}

/** A path from the environment, with a leading `~/` resolved against the home directory as the SDK does. */
function sharedFile(path: string | undefined, fallback: string, env: NodeJS.ProcessEnv): string {
  const home = homeDirectory(env);
  if (!path) return join(home, '.aws', fallback);
  return path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/**
 * Profile names of one shared file, read as the SDK's INI reader does: a section counts once it has a setting;
 * in the config file a profile is `[profile NAME]` (or `[default]`), in the credentials file `[NAME]`.
 */
function profilesIn(file: string, kind: 'config' | 'credentials'): string[] {
  if (!existsSync(file)) return [];
  const names = new Set<string>();
  let section: string | undefined;
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const text = (line.split(/(^|\s)[;#]/)[0] ?? '').trim();
    const header = /^\[(.+)\]$/.exec(text);
    if (header) {
      const name = (header[1] ?? '').trim();
      const prefixed = /^profile\s+(["']?)(.+)\1$/.exec(name);
      section = kind === 'credentials' || name === 'default' ? name : prefixed?.[2];
    } else if (section !== undefined && text.indexOf('=') > 0) {
      names.add(section);
    }
  }
  return [...names];
}

/** The profiles the SDK can use under `env`, and the files it reads them from. */
export function sharedProfiles(env: NodeJS.ProcessEnv): SharedProfiles {
  const configFile = sharedFile(env.AWS_CONFIG_FILE, 'config', env);
  const credentialsFile = sharedFile(env.AWS_SHARED_CREDENTIALS_FILE, 'credentials', env);
  const names = new Set([...profilesIn(configFile, 'config'), ...profilesIn(credentialsFile, 'credentials')]);
  return { configFile, credentialsFile, names: [...names].sort() };
}

/**
 * Throws a UsageError naming the files looked in when `profile` is defined in neither: without this check the SDK
 * only reports, on the first call, that it found no credentials.
 */
export function requireProfile(profile: string, env: NodeJS.ProcessEnv): void {
  const { configFile, credentialsFile, names } = sharedProfiles(env);
  if (names.includes(profile)) return;
  const meant = nearestName(profile, names);
  const hint =
    meant !== undefined
      ? `Did you mean '${meant}'?`
      : names.length > 0
        ? `Profiles there: ${names.join(', ')}.`
        : `Neither file defines a profile: 'aws configure --profile ${profile}' or 'aws configure sso' creates one.`;
  throw new UsageError(`no profile '${profile}' in ${configFile} or ${credentialsFile}`, hint);
}
