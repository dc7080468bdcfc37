#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { SettingsError } from '../functions/scanner/settings';
import { LambdaSentinelStack } from '../lib/lambda-sentinel-stack';
import { addOrganizationStacks } from '../lib/organization-stack';

const app = new App();
try {
  // Environment-agnostic: nothing is looked up at synth time, so the same template deploys to any account and region.
  new LambdaSentinelStack(app, 'LambdaSentinel');
  // With orgTargets, also the organization stack (and the asset buckets it needs), deployed by name.
  addOrganizationStacks(app);
} catch (error) {
  // A configuration mistake is the operator's to fix: show the message alone, not a stack trace into CDK.
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
// Every synth is checked against the AWS Solutions and Serverless rule packs; a new finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
