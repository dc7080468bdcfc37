import type { CliIo } from '../../cli/command';
import { simulatedSession, type AwsSession } from '../../cli/aws-session';
import type { SimAccountModel } from '../../sim/account-model';
import { SimulatedAccount } from '../../sim/simulated-account';
import { VirtualClock } from '../../sim/virtual-clock';

/** A CliIo that keeps what a command writes. */
export function capturedIo(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

/** A session on a simulated account, and the account, for commands that take a `connect` function. */
export function simulatedConnection(model: SimAccountModel): {
  account: SimulatedAccount;
  connect: () => AwsSession;
} {
  const clock = new VirtualClock(model.observedAt);
  const account = new SimulatedAccount(model, { clock });
  const session = simulatedSession(account, clock);
  return { account, connect: () => session };
}

/** Environment variables under which the AWS SDK finds no credentials, without trying the network. */
export const NO_CREDENTIALS_ENV: Readonly<Record<string, string | undefined>> = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Runs `work` with `variables` set in process.env (the SDK reads it directly), restoring it afterwards. */
export async function withEnvironment<T>(
  variables: Readonly<Record<string, string | undefined>>,
  work: () => Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(variables).map((key) => [key, process.env[key]]));
  const apply = (values: Readonly<Record<string, string | undefined>>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(variables);
  try {
    return await work();
  } finally {
    apply(saved);
  }
}
