// One taxonomy: every error the bridge raises says what it means to the loop that meets it and
// the exit code it ends the process with; errors below the command line name no flag, and the
// command line's wording of them is the one users have always seen.
import { APIConnectionError, APIConnectionTimeoutError, APIError, AuthenticationError, BadRequestError, NotFoundError } from 'openai';
import { describe, expect, it } from 'vitest';
import { settingFlag } from '../../src/cli/options.js';
import { ConfigError, ConfigProblems } from '../../src/config/config-error.js';
import { HttpError } from '../../src/control/http-reply.js';
import { ListenError } from '../../src/control/listen-address.js';
import { BridgeError, EXIT, meaningOf, ShutdownError, type ErrorMeaning } from '../../src/core/errors.js';
import { RequestBudget } from '../../src/scheduler/request-budget.js';
import { SimulateUsageError } from '../../src/simulator/command-options.js';
import { OPENAI_KEY_HINTS } from '../../src/api/auth/credential-hints.js';
import { CredentialFailure } from '../../src/api/auth/credential-failure.js';
import {
  AuthFailure,
  classifyApiError,
  ConnectionFailure,
  NotFound,
  RequestRefused,
  ThreadListUnavailable,
  TransientFailure,
} from '../../src/api/errors.js';
import { InputError } from '../../src/sources/assistants/file-source.js';
import { OutboxFullError, StateError } from '../../src/state/errors.js';
import { openRunLedger } from '../../src/sources/assistants/run-ledger.js';

const headers = new Headers();

describe('what each error means, and its exit code', () => {
  const cases: [string, BridgeError, ErrorMeaning, number][] = [
    ['a refused key', new AuthFailure(401), 'fatal', EXIT.usage],
    ['a refused request (400)', new RequestRefused('run run_1', 'unknown api-version'), 'fatal', EXIT.usage],
    ['a service without a thread list', new ThreadListUnavailable(new NotFound('the thread list (GET /threads)')), 'fatal', EXIT.usage],
    ['a deleted run', new NotFound('run run_1'), 'gone', EXIT.failure],
    ['a 503 after the retries', new TransientFailure('run run_1: HTTP 503: busy', 503), 'transient', EXIT.failure],
    ['an API out of reach', new ConnectionFailure('run run_1: connection failed'), 'transient', EXIT.failure],
    ['a full outbox', new OutboxFullError(10, 10, 2), 'backpressure', EXIT.failure],
    [
      'a state file that fails',
      new StateError('io', 'state file x cannot grow: SQLITE_FULL; free disk space and restart'),
      'transient',
      EXIT.usage,
    ],
    ['a part shut down', new ShutdownError('RequestBudget is closed'), 'shutdown', EXIT.failure],
    ['a bad control request', new HttpError(400, 'run_id: must be a run id', 'run_id'), 'refused', EXIT.failure],
    ['a bad setting', new ConfigError('watch.rpm', 'must be a whole number', 'the command line'), 'fatal', EXIT.usage],
    ['a bad input file', new InputError('runs.json: line 3: not JSON'), 'fatal', EXIT.usage],
    ['a bad simulate flag', new SimulateUsageError('--runs must be a number'), 'fatal', EXIT.usage],
    [
      'an address taken',
      new ListenError('127.0.0.1:9464', Object.assign(new Error('in use'), { code: 'EADDRINUSE' })),
      'fatal',
      EXIT.usage,
    ],
  ];
  for (const [what, error, meaning, exitCode] of cases) {
    it(`${what}: ${meaning}, exit ${exitCode}`, () => {
      expect(error).toBeInstanceOf(BridgeError);
      expect(meaningOf(error)).toBe(meaning);
      expect(error.exitCode).toBe(exitCode);
      expect(error.message).not.toContain('\n');
    });
  }

  it('an error that says nothing is unexpected, and may pass', () => {
    expect(meaningOf(new TypeError('x is undefined'))).toBe('transient');
    expect(meaningOf('a string')).toBe('transient');
  });

  it('only the connection failure is said elsewhere (by the reachability log)', () => {
    expect(new ConnectionFailure('x').reportedElsewhere).toBe(true);
    expect(new TransientFailure('x').reportedElsewhere).toBe(false);
    expect(new AuthFailure(403).reportedElsewhere).toBe(false);
  });

  it('keeps its own name, for logs', () => {
    expect(
      [new NotFound('x'), new OutboxFullError(1, 1, 1), new StateError('io', 'x'), new ConfigError('f', 'r')].map((e) => e.name),
    ).toEqual(['NotFound', 'OutboxFullError', 'StateError', 'ConfigError']);
  });

  it('a config file with several problems has a line each, for exit 2', () => {
    const problems = new ConfigProblems([
      new ConfigError('watch.rpm', 'must be a whole number', 'bridge.yaml', 3),
      new ConfigError('log.level', 'must be one of debug, info', 'bridge.yaml', 9),
    ]);
    expect(problems.exitCode).toBe(EXIT.usage);
    expect(problems.lineFor(settingFlag).split('\n')).toEqual([
      'watch.rpm: must be a whole number (from bridge.yaml, line 3)',
      'log.level: must be one of debug, info (from bridge.yaml, line 9)',
    ]);
  });
});

describe('parts that were shut down refuse with a shutdown error', () => {
  it('the state store and the request budget', async () => {
    const store = openRunLedger(':memory:');
    await store.shutdown();
    expect(() => store.listRuns()).toThrow(ShutdownError);
    const budget = new RequestBudget({ rpm: 60 });
    await budget.shutdown();
    await expect(budget.acquire('discovery')).rejects.toBeInstanceOf(ShutdownError);
  });
});

describe('what the SDK threw, classified once', () => {
  const hints = OPENAI_KEY_HINTS;
  it('404 is gone, 400 and 401/403 are fatal, timeouts and connection failures transient and said elsewhere, others transient', () => {
    expect(classifyApiError('run run_1', new NotFoundError(404, undefined, 'No run', headers), hints)).toBeInstanceOf(NotFound);
    expect(classifyApiError('run run_1', new BadRequestError(400, undefined, 'bad api-version', headers), hints)).toMatchObject({
      meaning: 'fatal',
    });
    expect(classifyApiError('run run_1', new AuthenticationError(401, undefined, 'no', headers), hints)).toMatchObject({
      meaning: 'fatal',
      message: hints.rejected,
    });
    expect(classifyApiError('run run_1', new CredentialFailure('entra-id: no token'), hints)).toMatchObject({
      meaning: 'fatal',
      message: 'entra-id: no token',
    });
    expect(classifyApiError('run run_1', new APIConnectionTimeoutError(), hints)).toMatchObject({
      meaning: 'transient',
      reportedElsewhere: true,
    });
    expect(
      classifyApiError('run run_1', new APIConnectionError({ cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }), hints),
    ).toMatchObject({
      meaning: 'transient',
      reportedElsewhere: true,
      message: 'run run_1: connection failed (connect ECONNREFUSED 127.0.0.1:9)',
    });
    expect(classifyApiError('run run_1', APIError.generate(503, undefined, 'busy', headers), hints)).toMatchObject({
      meaning: 'transient',
      status: 503,
    });
    expect(classifyApiError('run run_1', new SyntaxError('Unexpected token < in JSON'), hints)).toMatchObject({
      meaning: 'transient',
      message: 'run run_1: Unexpected token < in JSON',
    });
  });
});

describe('errors that name a setting', () => {
  const taken = Object.assign(new Error('in use'), { code: 'EADDRINUSE' });
  const cases: [string, BridgeError, string][] = [
    [
      'a state file in use',
      new StateError('locked', 'state file data/bridge.sqlite is in use by another bridge (pid 7 on host h, since t)', {
        way: { remedy: 'stop it', then: 'another-file' },
      }),
      'state file data/bridge.sqlite is in use by another bridge (pid 7 on host h, since t); stop it or use --state to choose another file',
    ],
    [
      'a foreign state file',
      new StateError('foreign', 'state file x is an SQLite database of another application (application id 0x1)', {
        way: { remedy: null, then: 'another-file' },
      }),
      'state file x is an SQLite database of another application (application id 0x1); use --state to choose another file',
    ],
    [
      'a folder for a state file',
      new StateError('io', 'state file data is a folder', { way: { then: 'a-file-path' } }),
      'state file data is a folder; give --state the path of a file (it is created when missing)',
    ],
    [
      'a missing state file (trace-id)',
      new StateError('io', 'state file x does not exist', { way: { then: 'the-watch-file' } }),
      'state file x does not exist; give the file `watch` uses with --state',
    ],
    [
      'a listen address taken',
      new ListenError('127.0.0.1:9464', taken),
      '--listen 127.0.0.1:9464: address already in use; choose another with --listen or use --listen off',
    ],
    [
      'no thread list',
      new ThreadListUnavailable(new NotFound('the thread list (GET /threads)')),
      '--all-threads: this service does not list threads (GET /threads answered 404); track threads with --thread or the control routes instead',
    ],
  ];
  for (const [what, error, line] of cases) {
    it(`${what}: no flag in the message; the command line's line names it`, () => {
      expect(error.message).not.toMatch(/--[a-z]/);
      expect(error.lineFor(null)).toBe(error.message);
      expect(error.lineFor(settingFlag)).toBe(line);
    });
  }

  it('says the way out in words below the command line', () => {
    expect(
      new StateError('locked', 'state file x is in use by another bridge (pid 7)', { way: { remedy: 'stop it', then: 'another-file' } })
        .message,
    ).toBe('state file x is in use by another bridge (pid 7); stop it or choose another state file');
    expect(new ListenError('127.0.0.1:9464', taken).message).toBe(
      'listen address 127.0.0.1:9464: address already in use; choose another address or turn listening off',
    );
  });
});
