import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { LambdaSentinelStack } from '../../lib/lambda-sentinel-stack';

/** A resource of a synthesized template. */
export type Resource = { Type: string; Properties: Record<string, unknown> };
/** One statement of an IAM policy document. */
export type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: unknown;
};

/** The sentinel's stack as `cdk synth` builds it from `context`, with its template. */
export function synthesizeStack(context: Record<string, unknown> = {}): {
  stack: LambdaSentinelStack;
  template: Template;
} {
  const stack = new LambdaSentinelStack(new App({ context }), 'LambdaSentinel');
  return { stack, template: Template.fromStack(stack) };
}

/** The template of the sentinel's stack as `cdk synth` builds it from `context`. */
export function synthesize(context: Record<string, unknown> = {}): Template {
  return synthesizeStack(context).template;
}

/** The logical ID of the CloudFormation resource behind `construct`. */
export function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/** The only resource of `type` in the template (the test fails if there are none or several). */
export function onlyResource(template: Template, type: string): { logicalId: string; resource: Resource } {
  const found = Object.entries(template.findResources(type) as Record<string, Resource>);
  expect(found).toHaveLength(1);
  const [logicalId, resource] = found[0]!;
  return { logicalId, resource };
}

/** The resource with `logicalId`. */
export function resourceOf(template: Template, logicalId: string): Resource {
  const resource = (template.toJSON().Resources as Record<string, Resource>)[logicalId];
  expect(resource).toBeDefined();
  return resource!;
}

/** The scanner function's resource. */
export function scanner(template: Template): Resource {
  return onlyResource(template, 'AWS::Lambda::Function').resource;
}

/** Every statement of the scanner role's identity policies: its default policy and its guardrails. */
export function scannerStatements(template: Template): Statement[] {
  const [roleLogicalId] = (scanner(template).Properties.Role as { 'Fn::GetAtt': [string, string] })[
    'Fn::GetAtt'
  ];
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleLogicalId }] } }) as Record<
      string,
      Resource
    >,
  );
  expect(policies.length).toBeGreaterThan(0);
  return policies.flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

/** What the scanner's role allows. */
export const scannerGrants = (template: Template): Statement[] =>
  scannerStatements(template).filter((statement) => statement.Effect === 'Allow');

/** What the scanner's role explicitly denies, whatever else allows it. */
export const scannerDenials = (template: Template): Statement[] =>
  scannerStatements(template).filter((statement) => statement.Effect === 'Deny');

/** A statement's actions, as a list even when the template holds a single string. */
export const actionsOf = (statement: Statement): string[] => [statement.Action].flat();

/** The scanner's statements that grant `action`. */
export function statementsGranting(template: Template, action: string): Statement[] {
  return scannerGrants(template).filter((statement) => actionsOf(statement).includes(action));
}

/** `{ 'Fn::GetAtt': [logicalId, 'Arn'] }`, how a template refers to a resource's ARN. */
export const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/**
 * A template value (a string, or an Fn::Join of strings and references) as text, each reference written as
 * `«logicalId»`, so that assertions can read what the deployed string will say.
 */
export function textOf(value: unknown, placeholder = (logicalId: string) => `«${logicalId}»`): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((part) => textOf(part, placeholder)).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref) return placeholder(ref);
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt) return placeholder(`${getAtt[0]}.${getAtt[1]}`);
  throw new Error(`not a string template value: ${JSON.stringify(value)}`);
}
