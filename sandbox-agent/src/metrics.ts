/** The agent's counters, and their Prometheus text exposition for GET /metrics. */

/** Upper bounds (seconds) of the sandbox start latency histogram's buckets. */
const START_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface SessionCounts {
  size: number;
  createdTotal: number;
  /** Sandboxes made ahead, waiting for a learner (pool.ts). */
  pooled: number;
}

export class Metrics {
  bytesToClients = 0;
  bytesFromClients = 0;
  checksPassed = 0;
  checksFailed = 0;
  oomKills = 0;
  /** Error frames sent to clients (bad input, unknown checks, …). */
  errorFrames = 0;
  /** Terminal input refused because the program in the sandbox was not reading it. */
  inputBytesRefused = 0;
  private readonly startCounts = START_BUCKETS.map(() => 0);
  private starts = 0;
  private startSum = 0;

  /** A sandbox took `seconds` from spawn until its shell ran. */
  observeStart(seconds: number): void {
    START_BUCKETS.forEach((le, i) => {
      if (seconds <= le) this.startCounts[i]!++;
    });
    this.starts++;
    this.startSum += seconds;
  }

  render(sessions: SessionCounts): string {
    return [
      ...metric('byhand_sessions_active', 'gauge', 'Learner sandboxes that exist right now.', sessions.size),
      ...metric('byhand_pool_ready', 'gauge', 'Sandboxes made ahead, waiting for a learner.', sessions.pooled),
      ...metric('byhand_sessions_created_total', 'counter', 'Learner sandboxes created since the agent started.', sessions.createdTotal),
      '# HELP byhand_sandbox_start_seconds Time from starting a sandbox until its shell runs.',
      '# TYPE byhand_sandbox_start_seconds histogram',
      ...START_BUCKETS.map((le, i) => `byhand_sandbox_start_seconds_bucket{le="${le}"} ${this.startCounts[i]}`),
      `byhand_sandbox_start_seconds_bucket{le="+Inf"} ${this.starts}`,
      `byhand_sandbox_start_seconds_sum ${this.startSum}`,
      `byhand_sandbox_start_seconds_count ${this.starts}`,
      '# HELP byhand_terminal_bytes_total Terminal bytes, by direction.',
      '# TYPE byhand_terminal_bytes_total counter',
      `byhand_terminal_bytes_total{direction="to_client"} ${this.bytesToClients}`,
      `byhand_terminal_bytes_total{direction="from_client"} ${this.bytesFromClients}`,
      '# HELP byhand_checks_total Lesson checks run, by result.',
      '# TYPE byhand_checks_total counter',
      `byhand_checks_total{result="pass"} ${this.checksPassed}`,
      `byhand_checks_total{result="fail"} ${this.checksFailed}`,
      ...metric('byhand_oom_kills_total', 'counter', 'Sessions whose sandbox hit its memory limit.', this.oomKills),
      ...metric('byhand_error_frames_total', 'counter', 'Error frames sent to clients.', this.errorFrames),
      ...metric('byhand_input_bytes_refused_total', 'counter', 'Terminal input refused: the sandbox was not reading it.', this.inputBytesRefused),
      '',
    ].join('\n');
  }
}

function metric(name: string, type: string, help: string, value: number): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`];
}
