/**
 * The `csvs` command line as a package anyone can install (`npm run pack:cli`): the CLI and the
 * engine bundled into one JavaScript file for Node 20 or newer, with no dependencies to fetch, so
 * `npx --package ./csvs-compliance-X.tgz csvs check Dockerfile` works anywhere, offline too. The
 * service itself (the API, PostgreSQL, the dashboard) is not in it: that runs from a checkout.
 *
 *   node cli/build-package.ts [OUT_DIR]   (default dist/cli-package)
 * writes OUT_DIR/package.json, OUT_DIR/bin/csvs.mjs and OUT_DIR/README.md.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The oldest Node the bundle is made for (and says it needs). */
export const CLI_NODE = '20';

export async function buildCliPackage(outDir: string): Promise<{ outDir: string; name: string; version: string }> {
  const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; description: string };
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'bin'), { recursive: true });
  await build({
    stdin: {
      // The bundle sits in bin/, so `new URL('../package.json', import.meta.url)` (the version line)
      // finds the package's own package.json, as it finds the checkout's from cli/.
      contents: "import { main } from './main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
      resolveDir: join(ROOT, 'cli'),
      sourcefile: 'csvs-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${CLI_NODE}`,
    outfile: join(outDir, 'bin', 'csvs.mjs'),
    // CommonJS dependencies (js-yaml, shell-quote, …) call require(); an ES module has none.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __csvsRequire } from 'node:module';\nconst require = __csvsRequire(import.meta.url);" },
    legalComments: 'eof',
    logLevel: 'warning',
  });
  const pkg = {
    name: root.name,
    version: root.version,
    description: `${root.description}: the csvs command line (check, collect, agent)`,
    type: 'module',
    bin: { csvs: 'bin/csvs.mjs' },
    engines: { node: `>=${CLI_NODE}` },
    files: ['bin/'],
  };
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await writeFile(
    join(outDir, 'README.md'),
    `# csvs\n\nThe command line of the CSVS compliance service, on Node ${CLI_NODE} or newer, without dependencies:\n\n` +
      '```sh\ncsvs check Dockerfile inspect.json k8s/*.yaml --level L2\ncsvs collect my-container --workload api\ncsvs agent --url https://csvs.example.com --team platform\n```\n\n' +
      'See `csvs --help`. Built from the service\'s repository with `npm run pack:cli`.\n',
  );
  return { outDir, name: pkg.name, version: pkg.version };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(ROOT, 'dist', 'cli-package'));
  const built = await buildCliPackage(out);
  console.log(`built ${built.name}@${built.version} in ${built.outDir}`);
}
