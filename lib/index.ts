// The package's entry point (package.json "main", "types" and "exports"): what a CDK app needs to add the sentinel.
export { LambdaSentinel, NO_ALERT_EMAILS_WARNING, type LambdaSentinelProps } from './lambda-sentinel';
export { LambdaSentinelStack } from './lambda-sentinel-stack';
export type { ChatChannels } from './chat-channels';
export {
  REMEDIATION_FLAGS,
  SettingsError,
  type RemediationFlag,
  type SentinelOptions,
  type SentinelSettings,
  type SettingProblem,
} from '../functions/scanner/settings';
