import { Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { EventsHandler, Saga } from '@nestjs/cqrs';
import { StatusPostedEvent } from './status-posted.event';

/**
 * A saga that may have nothing to do in this application (the voice saga without a voice
 * channel) says so with `active`; one without it counts as active.
 */
export interface StatusSaga {
  readonly active?: boolean;
}

/** Learns which metadata key `decorate` writes on a class, rather than naming a private one. */
function metadataKey(decorate: (target: Type) => void): string | symbol {
  class Probe {}
  decorate(Probe);
  const [key] = Reflect.getOwnMetadataKeys(Probe).filter(
    (k) => typeof k !== 'string' || !k.startsWith('design:'),
  ) as (string | symbol)[];
  if (key === undefined) throw new Error('@nestjs/cqrs decorators wrote no metadata');
  return key;
}

const HANDLER_KEY = metadataKey((target) => EventsHandler(StatusPostedEvent)(target));
const SAGA_KEY = metadataKey((target) => Saga()(target.prototype as object, 'probe'));

/**
 * Whether anything in the application would receive a `StatusPostedEvent`: an
 * `@EventsHandler` of it, or an active `@Saga` (a saga may listen to any event). Without one,
 * the bus publishes nothing on the CQRS event bus.
 */
export function hasStatusHandlers(modules: ModulesContainer): boolean {
  for (const module of modules.values()) {
    for (const wrapper of module.providers.values()) {
      const type = wrapper.metatype as Type | null | undefined;
      if (typeof type !== 'function') continue;
      const events = Reflect.getMetadata(HANDLER_KEY, type) as unknown[] | undefined;
      if (events?.includes(StatusPostedEvent)) return true;
      const sagas = Reflect.getMetadata(SAGA_KEY, type) as unknown[] | undefined;
      if (sagas?.length && (wrapper.instance as StatusSaga | undefined)?.active !== false) {
        return true;
      }
    }
  }
  return false;
}
