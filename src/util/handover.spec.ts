import { Handover } from './handover';

describe('Handover', () => {
  it('hands over on a microtask for a store in this process, on a later turn otherwise', async () => {
    const ran: boolean[] = [];
    for (const inProcess of [true, false]) {
      let done = false;
      new Handover(inProcess).schedule(() => (done = true));
      await Promise.resolve();
      ran.push(done);
    }
    expect(ran).toEqual([true, false]);
  });

  it('lets the event loop turn while a stage keeps handing over to itself', async () => {
    const handover = new Handover(true);
    let runs = 0;
    let stop = false;
    const loop = () => {
      runs += 1;
      if (!stop) handover.schedule(loop);
    };
    handover.schedule(loop);
    // Never fires if every hand-over is a microtask: the loop would starve timers. It may fire
    // as soon as the first turn comes (a slow machine spends the 5 ms on the microtasks).
    await new Promise((resolve) => setTimeout(resolve, 5));
    stop = true;
    expect(runs).toBeGreaterThanOrEqual(255);
  });
});
