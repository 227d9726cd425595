import { main } from './cli/main.js';

main(process.argv).catch((e: unknown) => {
  process.stderr.write(`tsrunc: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
