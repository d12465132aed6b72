/** Prometheus text exposition of the agent's counters. */
export interface MetricsSource {
  size: number;
  createdTotal: number;
}

export function renderMetrics(sessions: MetricsSource): string {
  return [
    '# HELP byhand_sessions_active Learner sandboxes that exist right now.',
    '# TYPE byhand_sessions_active gauge',
    `byhand_sessions_active ${sessions.size}`,
    '# HELP byhand_sessions_created_total Learner sandboxes created since the agent started.',
    '# TYPE byhand_sessions_created_total counter',
    `byhand_sessions_created_total ${sessions.createdTotal}`,
    '',
  ].join('\n');
}
