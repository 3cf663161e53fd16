import request from 'supertest';
import { StatusEntry, StatusEntryJson } from '../src';
import { startAdminApp, TOKEN } from './support/admin-app';
import { eventually } from './support/bus-app';
import { SseClient } from './support/sse-client';

describe('rooms', () => {
  it('keep each conversation’s entries to itself, everywhere they are read', async () => {
    const { app, bus, url } = await startAdminApp({ token: TOKEN }, { defaultRoomId: 'lobby' });
    const inRoomA: StatusEntry[] = [];
    await bus.subscribe(
      (e) => {
        inRoomA.push(e);
      },
      { roomId: 'room-a' },
    );
    const streamB = await SseClient.open(`${url}/status/stream?room_id=room-b`, {
      Authorization: `Bearer ${TOKEN}`,
    });

    bus.post('exec', 'search', 'ok', { roomId: 'room-a', detail: 'for A' });
    bus.post('exec', 'search', 'ok', { roomId: 'room-b', detail: 'for B' });
    bus.post('exec', 'done', 'completed', { roomId: 'room-b' });
    bus.post('system', 'boot', 'info');
    await bus.flush();

    expect((await bus.recent(10, { roomId: 'room-a' })).map((e) => e.detail)).toEqual(['for A']);
    expect((await bus.recent(10, { roomId: 'room-b' })).map((e) => e.action)).toEqual([
      'search',
      'done',
    ]);
    expect((await bus.recent(10, { roomId: 'lobby' })).map((e) => e.action)).toEqual(['boot']);
    expect(await bus.recentText(10, { roomId: 'room-a' })).toMatch(/exec: search → ok \| for A$/);
    expect(await bus.summary(10, { roomId: 'room-b' })).toMatch(
      /Total: 2 entries \(1 ok, 0 fail, 1 done\)$/,
    );
    expect(await bus.hasCompleted('exec', { roomId: 'room-b' })).toBe(true);
    expect(await bus.hasCompleted('exec', { roomId: 'room-a' })).toBe(false);
    expect(inRoomA.map((e) => e.detail)).toEqual(['for A']);

    await eventually(() => streamB.entries().length === 2);
    expect(streamB.entries<StatusEntryJson>().map((e) => [e.action, e.room_id])).toEqual([
      ['search', 'room-b'],
      ['done', 'room-b'],
    ]);
    streamB.close();

    const server = app.getHttpServer() as Parameters<typeof request>[0];
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const posted = await request(server)
      .post('/status')
      .set(auth)
      .send({ agent_id: 'voice', action: 'say', status: 'info', room_id: 'room-a' })
      .expect(201);
    expect((posted.body as StatusEntryJson).room_id).toBe('room-a');
    const recentA = await request(server)
      .get('/status/recent?room_id=room-a')
      .set(auth)
      .expect(200);
    expect((recentA.body as StatusEntryJson[]).map((e) => e.action)).toEqual(['search', 'say']);
    const textB = await request(server)
      .get('/status/recent/text?room_id=room-b')
      .set(auth)
      .expect(200);
    expect(textB.text.split('\n')).toHaveLength(2);
    await app.close();
  });
});
