import { SendMessageRequest, StreamResponse, TaskState } from '@a2a-js/sdk';
import { A2A_SEQ_KEY } from '../../src/a2a';

/** A user's message starting a task, in conversation `contextId`. */
export function userMessage(contextId: string, text = 'go'): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: { messageId: `m-${Math.random()}`, contextId, role: 'ROLE_USER', parts: [{ text }] },
  });
}

/** What a stream event says, in one short line: `task submitted`, `status step 2`, … */
export function describeEvent(response: StreamResponse): string {
  const payload = response.payload!;
  switch (payload.$case) {
    case 'task':
      return `task ${TaskState[payload.value.status!.state]}`;
    case 'statusUpdate': {
      const text = payload.value.status?.message?.parts[0]?.content;
      return `status ${text?.$case === 'text' ? text.value : TaskState[payload.value.status!.state]}`;
    }
    case 'artifactUpdate':
      return `artifact ${payload.value.artifact!.name}`;
    case 'message':
      return 'message';
  }
}

/** The bus position an event carries. */
export function seqOf(response: StreamResponse): number {
  return (response.payload!.value as { metadata?: Record<string, number> }).metadata![A2A_SEQ_KEY]!;
}

/** Reads `stream` into `into` in the background; resolves when the stream ends. */
export function drain(
  stream: AsyncIterable<StreamResponse>,
  into: StreamResponse[],
): Promise<void> {
  return (async () => {
    for await (const response of stream) into.push(response);
  })();
}

/** The id of the task a stream's first event announces. */
export function taskIdOf(responses: StreamResponse[]): string {
  return (responses[0]!.payload!.value as { id: string }).id;
}
