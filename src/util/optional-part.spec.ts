import { StatusBusConfigError } from '../errors/status-bus.errors';
import { loadPart } from './optional-part';

function missing(module: string): never {
  const err = new Error(`Cannot find module '${module}'\nRequire stack:\n- /app/x.js`);
  (err as NodeJS.ErrnoException).code = 'MODULE_NOT_FOUND';
  throw err;
}

describe('loadPart', () => {
  it('names the package to install when it, or a file inside it, is missing', () => {
    for (const module of ['@acme/sdk', '@acme/sdk/server/streamable.js']) {
      expect(() => loadPart('The part', ['@acme/sdk', 'zod'], () => missing(module))).toThrow(
        new StatusBusConfigError(
          'The part needs the package @acme/sdk, which is not installed. ' +
            'Install it beside nest-status-bus: npm install @acme/sdk zod',
        ),
      );
    }
  });

  it('lets any other failure through as it is', () => {
    expect(() => loadPart('The part', ['@acme/sdk'], () => missing('@acme/sdkx'))).toThrow(
      /Cannot find module '@acme\/sdkx'/,
    );
    expect(() => loadPart('The part', ['@acme/sdk'], () => missing('./own-file'))).toThrow(
      /own-file/,
    );
  });
});
