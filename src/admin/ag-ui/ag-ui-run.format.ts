import { StatusEntry } from '../../entry/status-entry';
import {
  AgentSnapshot,
  AgentSnapshotJson,
  agentSnapshotJson,
  agentSnapshotOf,
} from '../../snapshot/agent-snapshot';
import { sseFrame, StreamEndReason, StreamFormat } from '../stream-format';

/** The state of an AG-UI run over a room: `{ agents, last_seq }`. */
export interface AgUiRunState {
  agents: AgentSnapshotJson[];
  last_seq: number;
}

type PatchOperation =
  { op: 'add'; path: string; value: unknown } | { op: 'replace'; path: string; value: unknown };

/**
 * An AG-UI run over one room, as a stream format: `RUN_STARTED`, a `STATE_SNAPSHOT` of the room
 * (`{ agents, last_seq }`), then for each entry a `STATE_DELTA` (a JSON Patch of that state) and
 * a `CUSTOM` event `status_entry` carrying the wire entry, then `RUN_FINISHED`, or `RUN_ERROR`
 * when the run ends otherwise. Every frame has `id:` the position up to which the run has sent
 * everything, so a client resumes with the last one it got as `forwardedProps.after_seq` and
 * misses nothing: ids never decrease within a run.
 *
 * The snapshot is the room as of the newest position when the run opens; entries replayed from
 * an older resume point may be older than what it shows. A delta therefore only ever moves an
 * agent forward (an entry not newer than the agent's state changes nothing) and `last_seq` only
 * up: the state a client holds is always the room as of its `last_seq`, whatever it replays.
 */
export class AgUiRunFormat implements StreamFormat {
  private readonly state: AgUiRunState = { agents: [], last_seq: 0 };
  /** Each agent's index in `state.agents`. */
  private readonly positions = new Map<string, number>();

  constructor(
    private readonly run: { threadId: string; runId: string },
    private readonly snapshot: () => Promise<AgentSnapshot[]>,
  ) {}

  async opening(head: number, from: number): Promise<string> {
    const agents = await this.snapshot();
    this.state.agents = agents.map(agentSnapshotJson);
    this.state.agents.forEach((agent, i) => this.positions.set(agent.agent_id, i));
    this.state.last_seq = Math.max(head, ...this.state.agents.map((a) => a.seq));
    const { threadId, runId } = this.run;
    // Their id is where the entries start, not the head the state shows: a client cut right
    // after them resumes there and still gets every entry the run was to send.
    return (
      sseFrame({ type: 'RUN_STARTED', threadId, runId }, from) +
      sseFrame({ type: 'STATE_SNAPSHOT', snapshot: this.state }, from)
    );
  }

  /** The state the snapshot shows is the client's to trust; nothing more to say. */
  reset(): string {
    return '';
  }

  entry(entry: StatusEntry): string {
    const seq = entry.seq!;
    const delta: PatchOperation[] = [];
    const at = this.positions.get(entry.agentId);
    if (at === undefined || this.state.agents[at]!.seq < seq) {
      const value = agentSnapshotJson(agentSnapshotOf(entry));
      if (at === undefined) {
        this.positions.set(entry.agentId, this.state.agents.length);
        this.state.agents.push(value);
        delta.push({ op: 'add', path: '/agents/-', value });
      } else {
        this.state.agents[at] = value;
        delta.push({ op: 'replace', path: `/agents/${at}`, value });
      }
    }
    if (seq > this.state.last_seq) {
      this.state.last_seq = seq;
      delta.push({ op: 'replace', path: '/last_seq', value: seq });
    }
    // The delta stands before the entry is wholly sent: a client cut between the two resumes
    // from `seq - 1` (everything before this entry) and gets both again, the delta changing
    // nothing the second time.
    return (
      sseFrame({ type: 'STATE_DELTA', delta }, seq - 1) +
      sseFrame({ type: 'CUSTOM', name: 'status_entry', value: entry }, seq)
    );
  }

  closing(reason: StreamEndReason, lastSeq: number, detail?: string): string {
    const { threadId, runId } = this.run;
    if (reason === 'finished') {
      return sseFrame({ type: 'RUN_FINISHED', threadId, runId }, lastSeq);
    }
    const message = detail ?? RUN_ERRORS[reason](lastSeq);
    return sseFrame({ type: 'RUN_ERROR', message, code: reason }, lastSeq);
  }
}

/** What a run that did not finish says, by reason; it resumes from `after_seq` = `lastSeq`. */
const RUN_ERRORS: Record<Exclude<StreamEndReason, 'finished'>, (lastSeq: number) => string> = {
  slow_client: (n) => `the client read too slowly; resume with after_seq ${n}`,
  shutdown: (n) => `the server is shutting down; resume with after_seq ${n}`,
  store_unavailable: (n) => `the store is unavailable; resume with after_seq ${n}`,
  resume_point_lost: (n) => `the resume point is older than what the store keeps (sent up to ${n})`,
};
