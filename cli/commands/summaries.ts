/** Each command's line in `lambda-sentinel --help`, kept apart from the commands so the list loads none of them. */
export const COMMAND_SUMMARIES = {
  demo: 'Scan a built-in simulated account that has every problem in the guide (no AWS needed)',
  scan: 'Scan AWS accounts and regions once from this machine, read-only',
  diagnose:
    'Walk one function through every section of the guide: state, permissions, concurrency, loops, KMS, EFS',
  undo: "Reverse one of the sentinel's actions: restore a reserved concurrency or resume paused triggers",
} as const;
