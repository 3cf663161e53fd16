import { firstValueFrom, from, toArray } from 'rxjs';
import { StatusPostedEvent } from '../cqrs/status-posted.event';
import { StatusEntry } from '../entry/status-entry';
import { StatusLevel } from '../entry/status-level';
import { resolveVoiceOptions } from './voice-options';
import { StatusBusModuleOptions } from '../status-bus-options.interface';
import { InjectVoiceUpdateCommand } from './inject-voice-update.command';
import { VoiceChannelResolver } from './voice-channel.resolver';
import { VoiceInjectionSaga } from './voice-injection.saga';

const channel = { getRoomSessions: () => [], injectText: () => undefined };

function saga(options: StatusBusModuleOptions = {}, bound = true): VoiceInjectionSaga {
  const resolver = { channel: bound ? channel : undefined } as VoiceChannelResolver;
  return new VoiceInjectionSaga(resolveVoiceOptions(options), resolver);
}

function event(
  agentId: string,
  status: StatusLevel,
  action = 'act',
  metadata: Record<string, unknown> = {},
  roomId?: string,
) {
  return new StatusPostedEvent(
    StatusEntry.create(
      agentId,
      action,
      status,
      { detail: 'd', metadata, roomId },
      { defaultRoomId: 'lobby' },
    ),
  );
}

async function run(
  s: VoiceInjectionSaga,
  events: StatusPostedEvent[],
): Promise<InjectVoiceUpdateCommand[]> {
  const commands = await firstValueFrom(s.statusToVoice(from(events)).pipe(toArray()));
  return commands as InjectVoiceUpdateCommand[];
}

describe('VoiceInjectionSaga', () => {
  it('turns exec entries with info, completed or failed status into injections, as the reference does', async () => {
    const commands = await run(saga(), [
      event('exec', 'info', 'search'),
      event('exec', 'ok', 'quiet step'),
      event('exec', 'pending', 'waiting'),
      event('voice', 'completed', 'not exec'),
      event('exec', 'completed', 'done'),
      event('exec', 'failed', 'broke'),
    ]);
    expect(commands.map((c) => c.text)).toEqual([
      '[Agent update] search: d',
      '[Agent update] done: d',
      '[Agent update] broke: d',
    ]);
    expect(commands.every((c) => c instanceof InjectVoiceUpdateCommand)).toBe(true);
  });

  it('tells the room of the entry: its own, metadata.room_id as before rooms, else the default room', async () => {
    const commands = await run(saga(), [
      event('exec', 'info', 'a', {}, 'room-9'),
      event('exec', 'info', 'b', { room_id: 'room-7' }),
      event('exec', 'info', 'c'),
    ]);
    expect(commands.map((c) => c.roomId)).toEqual(['room-9', 'room-7', 'lobby']);
  });

  it('follows the configured agents, statuses, room resolution and text', async () => {
    const commands = await run(
      saga({
        voice: {
          agents: ['browser'],
          statuses: ['ok'],
          resolveRoom: (e) => (e.metadata.conversation as string | undefined) ?? undefined,
          format: (e) => `${e.agentId} did ${e.action}`,
        },
      }),
      [
        event('browser', 'ok', 'click', { conversation: 'c1' }),
        event('browser', 'ok', 'orphan'),
        event('exec', 'ok', 'x'),
      ],
    );
    expect(commands.map((c) => [c.roomId, c.text])).toEqual([['c1', 'browser did click']]);
  });

  it('emits nothing while no voice channel is bound', async () => {
    expect(await run(saga({}, false), [event('exec', 'completed')])).toEqual([]);
  });

  it('survives an error on one entry and keeps mapping the following ones', async () => {
    let calls = 0;
    const s = saga({
      voice: {
        format: (e) => {
          calls += 1;
          if (e.action === 'poison') throw new Error('format failed');
          return e.action;
        },
      },
    });
    const commands = await run(s, [
      event('exec', 'info', 'before'),
      event('exec', 'info', 'poison'),
      event('exec', 'info', 'after'),
    ]);
    expect(commands.map((c) => c.text)).toEqual(['before', 'after']);
    expect(calls).toBe(3);
  });

  it('ignores events that are not StatusPostedEvent', async () => {
    class OtherEvent {}
    const commands = await firstValueFrom(
      saga()
        .statusToVoice(from([new OtherEvent(), event('exec', 'info')]))
        .pipe(toArray()),
    );
    expect(commands).toHaveLength(1);
  });
});
