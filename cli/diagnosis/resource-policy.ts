/**
 * A Lambda function's resource-based policy (GetPolicy's JSON document), read as IAM reads it for the requests
 * that matter to the guide's permission sections: an AWS service invoking on behalf of one of its resources (an
 * EventBridge rule, an SNS topic), and an anonymous request to a function URL. Pure: a document in, verdicts out.
 *
 * Lambda writes these statements itself (AddPermission), so the forms are few: a principal that is a service, an
 * account or `*`; `lambda:InvokeFunction` or `lambda:InvokeFunctionUrl`; the function, version or alias ARN; and
 * conditions on `AWS:SourceArn` (ArnLike), `AWS:SourceAccount` (StringEquals), `aws:PrincipalOrgID`,
 * `lambda:FunctionUrlAuthType` and `lambda:InvokedViaFunctionUrl`. A condition this module does not know is never
 * guessed at: the verdict is then `uncertain`.
 */

/** Who a statement names. */
export type StatementPrincipal =
  | { readonly kind: 'anyone' }
  | { readonly kind: 'service'; readonly services: readonly string[] }
  | { readonly kind: 'aws'; readonly identities: readonly string[] }
  | { readonly kind: 'other'; readonly text: string };

/** One condition test: `operator` over `key` against any of `values`. */
export interface StatementCondition {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

/** One statement of the policy, normalised. */
export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly principal: StatementPrincipal;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions: readonly StatementCondition[];
}

/** A request to invoke the function, described by the context keys IAM evaluates. */
export interface InvokeRequest {
  readonly action: 'lambda:InvokeFunction' | 'lambda:InvokeFunctionUrl';
  /** The ARN invoked: the function's, or a version's or alias's. */
  readonly resource: string;
  /** The service principal that calls, e.g. `events.amazonaws.com`; absent for an anonymous caller. */
  readonly service?: string;
  /** Condition keys of the request, lower-cased (`aws:sourcearn`, `lambda:functionurlauthtype`, ...). */
  readonly context: Readonly<Record<string, string>>;
}

/** Whether a policy lets a request through: yes, no, or a condition this module cannot judge. */
export type Verdict = 'allowed' | 'denied' | 'uncertain';

const list = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((item) => String(item));

function principalOf(value: unknown): StatementPrincipal {
  if (value === '*') return { kind: 'anyone' };
  if (typeof value !== 'object' || value === null) return { kind: 'other', text: String(value) };
  const record = value as Record<string, unknown>;
  if (record.AWS !== undefined && list(record.AWS).includes('*')) return { kind: 'anyone' };
  if (record.Service !== undefined) return { kind: 'service', services: list(record.Service) };
  if (record.AWS !== undefined) return { kind: 'aws', identities: list(record.AWS) };
  return { kind: 'other', text: JSON.stringify(value) };
}

/** The statements of a resource-based policy document; undefined when it is not a policy document. */
export function parsePolicy(document: string): PolicyStatement[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const statements = [(parsed as { Statement?: unknown }).Statement ?? []].flat();
  if (!statements.every((statement) => typeof statement === 'object' && statement !== null)) return undefined;
  return (statements as Record<string, unknown>[]).map((statement) => ({
    ...(typeof statement.Sid === 'string' ? { sid: statement.Sid } : {}),
    effect: statement.Effect === 'Deny' ? 'Deny' : 'Allow',
    principal: principalOf(statement.Principal),
    actions: list(statement.Action),
    resources: list(statement.Resource),
    conditions: Object.entries((statement.Condition ?? {}) as Record<string, unknown>).flatMap(
      ([operator, tests]) =>
        Object.entries((tests ?? {}) as Record<string, unknown>).map(([key, values]) => ({
          operator,
          key,
          values: list(values),
        })),
    ),
  }));
}

/** Whether `text` matches an IAM pattern with `*` and `?` wildcards. */
export function matchesPattern(pattern: string, text: string, ignoreCase = false): boolean {
  const source = pattern
    .split('')
    .map((character) =>
      character === '*' ? '.*' : character === '?' ? '.' : character.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(text);
}

/** The result of one condition test: true, false, or unknown (an operator this module does not evaluate). */
function conditionHolds(
  condition: StatementCondition,
  context: InvokeRequest['context'],
): boolean | undefined {
  const ifExists = condition.operator.endsWith('IfExists');
  const operator = ifExists ? condition.operator.slice(0, -'IfExists'.length) : condition.operator;
  const value = context[condition.key.toLowerCase()];
  if (value === undefined) {
    if (ifExists) return true;
    // A missing key never equals anything; the negated operators then hold.
    return /Not/.test(operator) ? true : /^(String|Arn|Bool)/.test(operator) ? false : undefined;
  }
  const anyMatches = (compare: (pattern: string) => boolean) => condition.values.some(compare);
  switch (operator) {
    case 'StringEquals':
    case 'ArnEquals':
      return anyMatches((pattern) => pattern === value);
    case 'StringEqualsIgnoreCase':
      return anyMatches((pattern) => pattern.toLowerCase() === value.toLowerCase());
    case 'StringLike':
    case 'ArnLike':
      return anyMatches((pattern) => matchesPattern(pattern, value));
    case 'StringNotEquals':
    case 'ArnNotEquals':
      return !anyMatches((pattern) => pattern === value);
    case 'StringNotLike':
    case 'ArnNotLike':
      return !anyMatches((pattern) => matchesPattern(pattern, value));
    case 'Bool':
      return anyMatches((pattern) => pattern.toLowerCase() === value.toLowerCase());
    default:
      return undefined;
  }
}

function principalMatches(principal: StatementPrincipal, request: InvokeRequest): boolean {
  if (principal.kind === 'anyone') return true;
  if (principal.kind === 'service') {
    return request.service !== undefined && principal.services.some((service) => service === request.service);
  }
  return false;
}

/** Whether one statement applies to the request: true, false, or undefined when a condition cannot be judged. */
function statementApplies(statement: PolicyStatement, request: InvokeRequest): boolean | undefined {
  if (!principalMatches(statement.principal, request)) return false;
  if (!statement.actions.some((action) => matchesPattern(action, request.action, true))) return false;
  if (!statement.resources.some((resource) => matchesPattern(resource, request.resource))) return false;
  let applies: boolean | undefined = true;
  for (const condition of statement.conditions) {
    const holds = conditionHolds(condition, request.context);
    if (holds === false) return false;
    if (holds === undefined) applies = undefined;
  }
  return applies;
}

/**
 * Whether the statements let the request through, as IAM decides for a resource-based policy: a Deny that applies
 * wins, else an Allow that applies allows; a statement whose conditions cannot be judged makes the answer uncertain
 * where it could change it.
 */
export function evaluate(
  statements: readonly PolicyStatement[],
  request: InvokeRequest,
): { readonly verdict: Verdict; readonly statement?: PolicyStatement } {
  const applying = statements.map((statement) => ({
    statement,
    applies: statementApplies(statement, request),
  }));
  const deny = applying.find(({ statement, applies }) => statement.effect === 'Deny' && applies === true);
  if (deny) return { verdict: 'denied', statement: deny.statement };
  const denyMaybe = applying.some(
    ({ statement, applies }) => statement.effect === 'Deny' && applies === undefined,
  );
  const allow = applying.find(({ statement, applies }) => statement.effect === 'Allow' && applies === true);
  if (allow) return { verdict: denyMaybe ? 'uncertain' : 'allowed', statement: allow.statement };
  const allowMaybe = applying.find(
    ({ statement, applies }) => statement.effect === 'Allow' && applies === undefined,
  );
  if (allowMaybe) return { verdict: 'uncertain', statement: allowMaybe.statement };
  return { verdict: 'denied' };
}

/** Condition keys that tie a service's permission to one resource or account (against the confused deputy). */
const SOURCE_KEYS = ['aws:sourcearn', 'aws:sourceaccount', 'aws:sourceowner', 'lambda:eventsourcetoken'];

/** Whether an Allow statement lets a service invoke on behalf of any account's resources (no source condition). */
export function isUnscopedService(statement: PolicyStatement): boolean {
  return (
    statement.effect === 'Allow' &&
    statement.principal.kind === 'service' &&
    !statement.conditions.some((condition) => SOURCE_KEYS.includes(condition.key.toLowerCase()))
  );
}

/** The account a principal or source names: a 12-digit id alone or inside an ARN; undefined for anything else. */
export function accountOf(identity: string): string | undefined {
  if (/^\d{12}$/.test(identity)) return identity;
  return /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(identity)?.[1];
}

/** Other accounts an Allow statement names: as principals, or as the owners of the source it allows. */
export function otherAccountsOf(
  statement: PolicyStatement,
  ownAccount: string,
): { readonly identities: readonly string[]; readonly sources: readonly string[] } {
  if (statement.effect !== 'Allow') return { identities: [], sources: [] };
  const identities =
    statement.principal.kind === 'aws'
      ? statement.principal.identities.filter((identity) => {
          const account = accountOf(identity);
          return account !== undefined && account !== ownAccount;
        })
      : [];
  const sources =
    statement.principal.kind === 'service'
      ? statement.conditions
          .filter((condition) => ['aws:sourcearn', 'aws:sourceaccount'].includes(condition.key.toLowerCase()))
          .flatMap((condition) => condition.values)
          .filter((value) => {
            const account = accountOf(value);
            return account !== undefined && account !== ownAccount;
          })
      : [];
  return { identities, sources };
}

/** Whether an Allow statement lets anyone invoke with no condition at all. */
export function isPublic(statement: PolicyStatement): boolean {
  return (
    statement.effect === 'Allow' && statement.principal.kind === 'anyone' && statement.conditions.length === 0
  );
}

/** A statement in a few words: `Service events.amazonaws.com (only SourceArn arn:...)`. */
export function describeStatement(statement: PolicyStatement): string {
  const principal = statement.principal;
  const who =
    principal.kind === 'anyone'
      ? 'anyone (*)'
      : principal.kind === 'service'
        ? `Service ${principal.services.join(', ')}`
        : principal.kind === 'aws'
          ? `AWS ${principal.identities.join(', ')}`
          : principal.text;
  const conditions = statement.conditions.map(
    (condition) => `${condition.key.replace(/^AWS:/i, '')} ${condition.values.join(', ')}`,
  );
  const effect = statement.effect === 'Deny' ? 'not ' : '';
  return conditions.length > 0 ? `${effect}${who} (only ${conditions.join('; ')})` : `${effect}${who}`;
}
