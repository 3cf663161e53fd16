import { VoiceSessionLeases } from './voice-session-leases';
import { VoiceStore } from './voice-store';

/** A shared store whose writes wait until the test lets them through. */
class GatedStore extends VoiceStore {
  readonly shared = true;
  /** What each holder holds, by room. */
  readonly holds = new Map<string, readonly string[]>();
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  close(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
  }

  async claim(): Promise<boolean> {
    return true;
  }

  override async hold(holder: string, roomId: string, ids: readonly string[]): Promise<void> {
    await this.gate;
    if (ids.length === 0) this.holds.delete(`${holder}/${roomId}`);
    else this.holds.set(`${holder}/${roomId}`, ids);
  }

  override async held(): Promise<boolean> {
    return this.holds.size > 0;
  }
}

describe('VoiceSessionLeases', () => {
  it('holds nothing once stopped, not even what a hold on its way when it stopped would write', async () => {
    const store = new GatedStore();
    const leases = new VoiceSessionLeases(store, 15_000, async () => ['s1']);
    store.close();
    const holding = leases.hold('room', ['s1']); // a delivery still under way at shutdown
    await leases.stop();
    store.release();
    await holding;
    await leases.hold('room', ['s1']); // and one that starts after it
    expect(await leases.heldAnywhere('room')).toBe(false);
  });
});
