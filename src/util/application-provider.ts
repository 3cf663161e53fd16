import { DynamicModule, Type } from '@nestjs/common';
import { LazyModuleLoader, ModuleRef } from '@nestjs/core';

/**
 * Finds `token` anywhere in the application; when no module provides it, loads `module` lazily
 * and runs `bootstrap` on it, since Nest calls no lifecycle hooks in lazily loaded modules.
 * Lets the bus use the application's own event emitter or CQRS bus, and still work in an
 * application that has none, without ever creating a second one next to the application's.
 */
export async function applicationProviderOrLoad<T>(
  moduleRef: ModuleRef,
  lazyModuleLoader: LazyModuleLoader,
  token: Type<T>,
  module: () => DynamicModule,
  bootstrap: (loaded: ModuleRef) => void,
): Promise<{ instance: T; loaded: boolean }> {
  try {
    return { instance: moduleRef.get(token, { strict: false }), loaded: false };
  } catch {
    const loaded = await lazyModuleLoader.load(module);
    bootstrap(loaded);
    return { instance: loaded.get(token), loaded: true };
  }
}
