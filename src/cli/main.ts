// The `assistants-otel-bridge` command line.
import { constants as osConstants } from 'node:os';
import { Command, CommanderError } from 'commander';
import { DEFAULTS } from '../config/defaults.js';
import { resolveConfig } from '../config/resolve.js';
import { BridgeError, EXIT } from '../core/errors.js';
import { BRIDGE_VERSION } from '../version.js';
import { LauncherLink } from './launcher-link.js';
import { createLogger } from './logger.js';
import {
  addImportOptions,
  addTraceIdOptions,
  addWatchOptions,
  flagsLayer,
  settingFlag,
  traceIdFlagsLayer,
  type ImportFlags,
  type TraceIdFlags,
  type WatchFlags,
} from './options.js';
import { traceUrl } from '../config/trace-url.js';
import { SOURCES } from '../sources/registry.js';
import { simulatorCommandOptions, type SimulateCommandOptions } from '../simulator/command-options.js';

// Each command loads its own modules when it runs (watch, the simulator and the demo take about
// 0.3 s to load), so `import`, `trace-id` and `--help` start without them.

const NAME = 'assistants-otel-bridge';

/** Started by the launcher of bin/ (an older system node): the pipe that says when it is gone. */
const launcher = LauncherLink.fromEnv();

function fail(message: string, code: number): never {
  // A config file with several problems has a line for each.
  const lines = code === EXIT.usage ? message.split('\n') : [message];
  process.stderr.write(lines.map((line) => `${NAME}: ${line}\n`).join(''));
  process.exit(code);
}

// `... | head` closes stdout early; that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const program = new Command(NAME)
  .version(BRIDGE_VERSION)
  .description('Turns Assistants v2 runs (threads, runs, run steps) into OpenTelemetry traces, exported over OTLP.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addHelpText(
    'after',
    `
Examples:
  $ ${NAME} demo                                   simulator + bridge, waterfalls in the terminal
  $ ${NAME} import saved-runs.jsonl                print the spans of saved runs
  $ OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 ${NAME} watch --thread thread_abc
  $ ${NAME} trace-id run_abc

Configuration: flags, then environment (OPENAI_*, OTEL_*), then --config file, then defaults.
Exit codes: 0 done, 1 runtime failure (for example the collector refused spans), 2 bad usage or configuration.`,
  );

addImportOptions(
  program
    .command('import')
    .description(
      'Export objects saved as the APIs return them (JSON or JSONL), exactly as watched ones are: Assistants runs and steps, Agents API session traces, Responses.',
    )
    .argument('<file...>', 'JSON or JSONL files; each document or line is read by the source it belongs to'),
)
  .addHelpText(
    'after',
    `
Each JSON document or JSONL line is one of (mixed freely, across files too):
  - Assistants v2 runs, run steps and assistants (objects, arrays, list pages, runs with a "steps" array)
  - Agents API session traces (agent.session.trace objects, arrays or list pages of them)
  - Responses (response objects, arrays or list pages of them)
Examples:
  $ ${NAME} import samples/runs.json                         print spans as JSON lines (no endpoint set)
  $ ${NAME} import --otlp-endpoint http://localhost:4318 runs/*.jsonl
  $ curl -s -H 'OpenAI-Beta: agents=v1' -H "Authorization: Bearer $OPENAI_API_KEY" \\
      "https://api.openai.com/v1/agents/sessions/$SESSION/traces?order=asc&limit=100" > traces.json
  $ ${NAME} import --otlp-endpoint http://localhost:4318 traces.json responses.jsonl
Steps are matched to their run by run_id; a run saved without steps gives just its run span.
A session trace is forwarded as published (content removed unless captured); a response is mapped
as a watch maps it, its previous_response_id linked to the imported response it names.
A value no source reads, or one that is not what it says, exits 2 naming the file, line and field.`,
  )
  .action(async (files: string[], flags: ImportFlags) => {
    const config = resolveConfig({ flags: flagsLayer(flags), env: process.env, configFile: flags.config });
    const log = createLogger(config.log);
    const { runImport } = await import('./import-command.js');
    const showProgress = files.length > 1 && process.stderr.isTTY;
    const { code, summary } = await runImport(files, config, log, (done, total) => {
      if (showProgress) process.stderr.write(`\rreading ${done}/${total} files`);
      if (showProgress && done === total) process.stderr.write('\n');
    });
    log.info(summary, code === 0 ? 'import finished' : 'import finished with spans not accepted');
    process.exitCode = code;
  });

addWatchOptions(
  program
    .command('watch')
    .description(
      "Watch agent work on a remote service and export each unit of it as a trace, under one request budget: Assistants v2 runs and threads, OpenAI Agents API sessions, Azure AI Foundry agents' responses.",
    ),
)
  .addHelpText(
    'after',
    `
Examples:
  $ OPENAI_API_KEY=sk-... ${NAME} watch --thread thread_abc --otlp-endpoint http://localhost:4318
  $ ${NAME} watch --run thread_abc/run_def --exit-when-idle
  $ OPENAI_API_KEY=sk-... ${NAME} watch --agent-session sess_abc --otlp-endpoint http://localhost:4318
  $ ${NAME} watch --config config/bridge.example.yaml
A thread or a session is followed forever, runs and turns created later included.
Ctrl-C or SIGTERM stops polling, exports what is finished for up to --stop-timeout (${DEFAULTS.watch.stopTimeoutMs / 1000} s), says what
is left in the outbox (exported at the next start) and exits 0; a second Ctrl-C exits at once.`,
  )
  .action(async (flags: WatchFlags) => {
    const config = resolveConfig({ flags: flagsLayer(flags), env: process.env, configFile: flags.config });
    const [{ startWatch }, { StatusLine, wantsStatusLine, watchStatusReader }] = await Promise.all([
      import('./watch-command.js'),
      import('./status-line.js'),
    ]);
    const spansOnTerminal = config.traces.exporter === 'console' && process.stdout.isTTY;
    const status = wantsStatusLine(config.log, process.stderr, spansOnTerminal) ? new StatusLine(process.stderr) : null;
    const log = createLogger(config.log, status?.logStream);
    const named =
      config.watch.runs.length > 0 ||
      config.watch.threads.length > 0 ||
      config.watch.allThreads ||
      SOURCES.some((r) => r.settings?.namesWork?.(config.sources[r.name]) === true);
    if (!named) {
      log.info('nothing given to watch on the command line or in the config: watching what the state file tracks');
    }
    const handle = startWatch(config, log);
    // Started last, shut down first: the line is gone before the stop's messages.
    if (status)
      handle.lifecycle.add({
        name: 'status line',
        part: { start: () => status.start(watchStatusReader(handle)), shutdown: () => status.shutdown() },
      });
    // The first signal stops gracefully within the stop budget; a second one exits at once.
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals === 1) {
        void handle.shutdown(`${signal} received`);
        return;
      }
      const left = handle.state.closed ? 0 : handle.state.outboxDepth();
      log.warn({ signal, left }, `${signal} again: exiting now; ${left} spans stay in the outbox for the next start`);
      process.exit(128 + osConstants.signals[signal]);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    launcher?.onLauncherGone((reason) => void handle.shutdown(reason));
    process.exit(await handle.done);
  });

const simulate = program
  .command('simulate')
  .description(
    'Serve the Assistants v2 API simulator: a seeded world of threads, runs and steps, and of Responses and Conversations, on a virtual clock (for demos and tests); with the openai dialect also the Agents API (beta): agents, sessions, turns, items and OTLP traces.',
  )
  .addHelpText(
    'after',
    `
Example:
  $ ${NAME} simulate --port 8787 --speed 20
  $ OPENAI_BASE_URL=http://127.0.0.1:8787/v1 OPENAI_API_KEY=sk-sim-local ${NAME} watch --thread <a thread id from GET /_sim/truth>
  $ ${NAME} simulate --webhook-url http://127.0.0.1:8000/webhooks --webhook-secret whsec_<base64 of 24-64 bytes>
Control routes for tests: GET /_sim/truth, POST /_sim/runs, GET|POST /_sim/faults, GET /_sim/requests,
GET /_sim/responses/truth, POST /_sim/responses, GET|POST|DELETE /_sim/webhooks, POST /_sim/webhooks/send,
GET /_sim/agents/truth, POST /_sim/agents/turns, GET|POST /_sim/agents/behaviour.`,
  );
for (const o of simulatorCommandOptions) simulate.option(o.flags, o.description, o.defaultValue);
simulate.action(async (flags: SimulateCommandOptions) => {
  const { simulateCommand } = await import('../simulator/command.js');
  const handle = await simulateCommand(flags);
  await handle.stopped;
});

program
  .command('demo')
  .description(
    'Start the simulator and the bridge together and draw each finished run and Agents API root turn as a waterfall; needs no key and no network.',
  )
  .option('--runs <n>', 'runs in the demo world', '12')
  .option('--sessions <n>', 'Agents API sessions in the demo world (3 root turns each; 0 for none)', '2')
  .option('--speed <x>', 'virtual seconds per real second', '30')
  .option('--seed <n>', 'seed of the demo world', '42')
  .addHelpText(
    'after',
    `
Examples:
  $ ${NAME} demo
  $ OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 ${NAME} demo     also export the spans (to Jaeger, say)
Colour only on a terminal; NO_COLOR turns it off. Ctrl-C stops at once.`,
  )
  .action(async (flags: { runs: string; sessions: string; speed: string; seed: string }) => {
    const { runDemo } = await import('../demo/demo-command.js');
    process.exitCode = await runDemo(flags);
  });

const traceIdCmd = program
  .command('trace-id')
  .description(
    "Print the trace id of a run, an Agents API turn or a response: the app's trace it joined, or the trace that was published, when the state file knows it; else the one derived from the id.",
  )
  .argument('<id>', 'a run id (run_...), a root turn id (turn_...) or a response id (resp_...)');
addTraceIdOptions(traceIdCmd)
  .addHelpText(
    'after',
    `
Examples:
  $ ${NAME} trace-id run_abc123
  $ ${NAME} trace-id turn_abc123 --state ./data/bridge.sqlite      the trace the Agents API published for the turn
  $ ${NAME} trace-id resp_abc123
  $ ${NAME} trace-id run_abc123 --ui-url 'http://localhost:16686/trace/{trace_id}'     the id, then a Jaeger link
Without --state the default state file is read when it exists; a line on stderr says when the id
could not be checked against one (a run or response that joined an app's trace, or a turn whose
trace was published, is then in another trace than the one printed).`,
  )
  .action(async (id: string, flags: TraceIdFlags) => {
    const config = resolveConfig({ flags: traceIdFlagsLayer(flags), env: process.env, configFile: flags.config });
    const { traceIdCommand } = await import('./trace-id-command.js');
    const { traceId, note } = traceIdCommand(id, flags.state);
    if (note) process.stderr.write(`${NAME}: ${note}\n`);
    process.stdout.write(`${traceId}\n${config.ui.traceUrl ? `${traceUrl(config.ui.traceUrl, traceId)}\n` : ''}`);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end here with code 0; usage errors were already printed.
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  // Usage and configuration errors (a bad flag, config file, input file or state file) say so in a line each.
  if (error instanceof BridgeError) fail(error.lineFor(settingFlag), error.exitCode);
  fail(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, EXIT.failure);
}
