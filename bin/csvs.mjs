#!/usr/bin/env node
// The CLI runs its TypeScript sources directly, which needs a Node that strips types by itself.
// Plain JavaScript here so that an older Node gets a clear message instead of a syntax error.

const NEEDS =
  'csvs needs Node.js 24: it runs its TypeScript sources directly.\n' +
  'Inside the project, `npx csvs ...` or `npm run csvs -- ...` use the Node 24 the project\n' +
  'brings as a dev dependency; elsewhere, install Node 24.\n';

function refuse() {
  process.stderr.write(`${NEEDS}(This is Node ${process.versions.node}.)\n`);
  process.exitCode = 2;
}

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 6)) {
  refuse();
} else {
  let main;
  try {
    ({ main } = await import('../cli/main.ts'));
  } catch (e) {
    // Node 22.6-23.5 knows type stripping only behind a flag and refuses `.ts` files without it.
    if (e && typeof e === 'object' && e.code === 'ERR_UNKNOWN_FILE_EXTENSION') refuse();
    else throw e;
  }
  if (main) process.exitCode = await main(process.argv.slice(2));
}
