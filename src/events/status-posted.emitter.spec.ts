import { EventEmitterModule } from '@nestjs/event-emitter';
import { subscribersLoader } from './status-posted.emitter';

describe('subscribersLoader', () => {
  it("finds the provider that registers @OnEvent handlers in the module's own definition", () => {
    expect(subscribersLoader(EventEmitterModule.forRoot()).name).toBe('EventSubscribersLoader');
  });

  it('says what to do when a module has none', () => {
    expect(() => subscribersLoader({ module: class Empty {}, providers: [] })).toThrow(
      /import EventEmitterModule.forRoot\(\) in your application/,
    );
  });
});
