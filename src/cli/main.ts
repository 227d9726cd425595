/**
 * tsrunc's command line: runc's global flags and subcommands. Each subcommand lives in
 * its own file and only parses, calls container/, and prints.
 */
import { Command } from 'commander';
import { SPEC_VERSION } from '../spec/version.js';
import { register as create } from './create.js';
import { register as del } from './delete.js';
import { register as exec } from './exec.js';
import { register as features } from './features.js';
import { register as kill } from './kill.js';
import { register as list } from './list.js';
import { register as pause } from './pause.js';
import { register as ps } from './ps.js';
import { register as resume } from './resume.js';
import { register as run } from './run.js';
import { register as spec } from './spec.js';
import { register as start } from './start.js';
import { register as state } from './state.js';
import { register as events } from './events.js';
import { register as stalls } from './stalls.js';
import { register as update } from './update.js';

declare const TSRUNC_VERSION: string;
declare const TSRUNC_COMMIT: string;

function versionText(): string {
  return `tsrunc version ${TSRUNC_VERSION}\ncommit: ${TSRUNC_COMMIT}\nspec: ${SPEC_VERSION}\n`;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('tsrunc')
    .description('an OCI container runtime written in TypeScript')
    .option('--root <dir>', 'directory for container state', '/run/tsrunc')
    .option('--log <file>', 'write log lines to this file (default: stderr)')
    .option('--log-format <format>', 'text or json', 'text')
    .option('--debug', 'log debug lines')
    .option('--systemd-cgroup', 'cgroupsPath is systemd style (slice:prefix:name)')
    .option('--criu <path>', 'accepted for compatibility; checkpointing is not supported')
    .option('--rootless <value>', 'accepted for compatibility')
    .option('-v, --version', 'print the version')
    .enablePositionalOptions()
    .showHelpAfterError();
  program.action(function (this: Command) {
    if (this.opts()['version']) process.stdout.write(versionText());
    else this.help();
  });
  for (const register of [create, start, state, kill, del, run, exec, list, spec, pause, resume, ps, update, events, stalls, features]) register(program);
  program.command('version', { hidden: true }).action(() => { process.stdout.write(versionText()); });
  await program.parseAsync(argv);
}
