/**
 * The public surface of every entry of the package (`exports` in package.json), written as
 * API reports in `api/` (`npm run api:report`) and checked against them (`npm run api:check`,
 * part of `npm test`): any change to what users can import shows in review as a change to a
 * committed file.
 *
 * The reports are made from the declarations `tsc` emits for the build, with API Extractor.
 */
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const declarations = join(root, '.tmp/api/declarations');
const check = process.argv.includes('--check');

/** Each entry of the package: its subpath and the declaration file it resolves to. */
function entries(): { name: string; types: string }[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, { types: string } | string>;
  };
  // Every entry but `./package.json`, which is the manifest itself.
  const code = Object.entries(manifest.exports).flatMap(([subpath, target]) =>
    typeof target === 'string' ? [] : [[subpath, target] as const],
  );
  return code.map(([subpath, target]) => ({
    name: subpath === '.' ? 'nest-status-bus' : `nest-status-bus-${subpath.slice(2)}`,
    types: join(declarations, target.types.replace(/^\.\/dist\//, '')),
  }));
}

function main(): number {
  rmSync(declarations, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--declaration',
      '--emitDeclarationOnly',
      '--outDir',
      declarations,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  const changed: string[] = [];
  let problems = 0;
  for (const entry of entries()) {
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: root,
        mainEntryPointFilePath: entry.types,
        compiler: { tsconfigFilePath: join(root, 'tsconfig.build.json') },
        apiReport: {
          enabled: true,
          reportFileName: entry.name,
          reportFolder: join(root, 'api'),
          reportTempFolder: join(root, '.tmp/api/reports'),
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          // A type users reach only through an exported one (an option's part, say) is named in
          // the report where it is used; the report is of what each entry exports.
          extractorMessageReporting: {
            default: { logLevel: ExtractorLogLevel.Warning },
            'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
            'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
            'ae-internal-missing-underscore': { logLevel: ExtractorLogLevel.None },
            // Documentation and its links are TypeDoc's to check (`npm run docs:api`).
            'ae-undocumented': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
            'ae-unresolved-link': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
          },
          tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
        },
      },
      configObjectFullPath: join(root, 'api', `${entry.name}.json`),
      packageJsonFullPath: join(root, 'package.json'),
    });
    const result = Extractor.invoke(config, {
      localBuild: !check,
      messageCallback: (message) => {
        // Which TypeScript it analyses with: a notice, not a problem of the surface.
        if (message.messageId === 'console-preamble') message.handled = true;
      },
    });
    if (result.apiReportChanged) changed.push(entry.name);
    problems += result.errorCount;
  }
  if (check && changed.length > 0) {
    console.error(
      `The public API changed in ${changed.join(', ')}: see .tmp/api/reports. If the change is ` +
        'meant, run `npm run api:report` and commit api/.',
    );
    return 1;
  }
  if (changed.length > 0) console.log(`Updated api/ for ${changed.join(', ')}.`);
  return problems > 0 ? 1 : 0;
}

process.exitCode = main();
