/**
 * The shape of a diagnosis: one line per topic of AWS's guide "Troubleshoot invocation issues in Lambda", each with
 * a status, what was found and what to do. The sections are the guide's own, by their anchors in its text.
 */
import type { Finding } from '../../functions/scanner/model';
import { isAccessDenied, type ReadFailure } from './reading';

/** The guide's sections, by the anchor each has in the guide, with the guide's own heading. */
export const GUIDE_SECTIONS = {
  noauth: 'IAM: lambda:InvokeFunction not authorized',
  ResourceConflictException: 'Lambda: Operation cannot be performed ResourceConflictException',
  pending: 'Lambda: Function is stuck in Pending',
  allconcurrency: 'Lambda: One function is using all concurrency',
  cannotinvoke: 'General: Cannot invoke function with other accounts or services',
  loop: 'General: Function invocation is looping',
  alias: 'Lambda: Alias routing with provisioned concurrency',
  coldstart: 'Lambda: Cold starts with provisioned concurrency',
  latency: 'Lambda: Latency variability with provisioned concurrency',
  newversion: 'Lambda: Cold starts with new versions',
  efsmount: 'EFS: Function could not mount the EFS file system',
  efsconnect: 'EFS: Function could not connect to the EFS file system',
  efstimeout: 'EFS: Function could not mount the EFS file system due to timeout',
  ioprocess: 'Lambda: Lambda detected an IO process that was taking too long',
} as const;

/** One section of the guide, by its anchor (`troubleshooting-invocation-<section>`). */
export type GuideSection = keyof typeof GUIDE_SECTIONS;

/**
 * How a check came out: something wrong, something to look at, a check that could not be made (a call failed),
 * a fact worth knowing, or fine.
 */
export type CheckStatus = 'problem' | 'warning' | 'unknown' | 'info' | 'ok';

/** One topic of the guide, as it stands for the function. */
export interface DiagnosisCheck {
  /** The topic as printed, e.g. `State`, `Other accounts or services`. */
  readonly topic: string;
  /** The guide's section the line answers; absent for the function's overall state. */
  readonly section?: GuideSection;
  readonly status: CheckStatus;
  /** One line: what was found. */
  readonly summary: string;
  /** What to do, where something is to be done. */
  readonly advice?: string;
}

/** Everything `diagnose` found about one function. */
export interface Diagnosis {
  readonly functionName: string;
  readonly region: string;
  readonly checks: readonly DiagnosisCheck[];
}

/** A topic of the diagnosis: what every line about it carries. */
export interface Topic {
  readonly topic: string;
  readonly section?: GuideSection;
}

/** A line for a check that could not be made because a call failed: UNKNOWN with the reason, never OK. */
export function unknownCheck(topic: Topic, failure: ReadFailure, what?: string): DiagnosisCheck {
  return {
    ...topic,
    status: 'unknown',
    summary: `${what ?? 'not checked'}: ${failure.failed}`,
    ...(isAccessDenied(failure)
      ? {
          advice:
            "Your credentials may not make this call: 'lambda-sentinel diagnose --help' lists every action the " +
            'diagnosis reads with.',
        }
      : {}),
  };
}

/** A line from one of the scanner's findings: its severity, summary and guidance, as a scan would report it. */
export function fromFinding(topic: Topic, finding: Finding): DiagnosisCheck {
  const status =
    finding.severity === 'info' ? 'info' : finding.severity === 'warning' ? 'warning' : 'problem';
  return { ...topic, status, summary: finding.summary, advice: finding.guidance };
}

/** Whether anything in the diagnosis needs a person's attention: a problem, a warning, or a check not made. */
export function needsAttention(diagnosis: Diagnosis): boolean {
  return diagnosis.checks.some((check) => ['problem', 'warning', 'unknown'].includes(check.status));
}
