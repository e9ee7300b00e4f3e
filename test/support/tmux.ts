// A command run the way a person runs it: on a terminal, here a detached tmux pane, whose screen
// the test reads back (capture-pane) and whose keyboard it types on (send-keys).
import { spawnSync } from 'node:child_process';
import { cleanEnv, CLI, REPO } from './cli.js';

/** POSIX shell quoting. */
export const shellQuote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

let sessions = 0;

export interface PaneOptions {
  /** Environment of the pane, on top of the test's (without OTEL_*, OPENAI_*, AZURE_*). */
  env?: Record<string, string | undefined>;
  width?: number;
  height?: number;
}

export class TmuxPane {
  /** Each pane gets its own tmux server (-L), so it starts with exactly the environment given. */
  private readonly socket = `aob-test-${process.pid}-${(sessions += 1)}`;

  /** Runs `node dist/cli/main.js ARGS` in a new pane; the pane then prints `EXIT=<code>` and stays open. */
  static cli(args: string[], options: PaneOptions = {}): TmuxPane {
    const command = [process.execPath, CLI, ...args].map(shellQuote).join(' ');
    return new TmuxPane(`${command}; echo EXIT=$?; sleep 600`, options);
  }

  /** Runs `argv` (a program and its arguments) in a new pane, the same way as `cli`. */
  static command(argv: string[], options: PaneOptions = {}): TmuxPane {
    return new TmuxPane(`${argv.map(shellQuote).join(' ')}; echo EXIT=$?; sleep 600`, options);
  }

  private constructor(command: string, options: PaneOptions) {
    this.tmux(
      ['-f', '/dev/null', 'new-session', '-d', '-x', String(options.width ?? 160), '-y', String(options.height ?? 40), '-c', REPO, command],
      cleanEnv({ TERM: 'xterm-256color', ...options.env }),
    );
  }

  private tmux(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): string {
    // Inside a tmux session of one's own, $TMUX would make tmux refuse to nest.
    delete env.TMUX;
    const result = spawnSync('tmux', ['-L', this.socket, ...args], { env, encoding: 'utf8' });
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  /** The visible screen, or with `history` everything since the start; `escapes` keeps colours and attributes. */
  screen(options: { escapes?: boolean; history?: boolean } = {}): string {
    return this.tmux(['capture-pane', '-p', '-J', ...(options.escapes ? ['-e'] : []), ...(options.history ? ['-S', '-', '-E', '-'] : [])]);
  }

  /** Screen lines without trailing blanks, empty lines at the end dropped. */
  lines(options: { history?: boolean } = {}): string[] {
    const lines = this.screen(options)
      .split('\n')
      .map((l) => l.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  sendKeys(...keys: string[]): void {
    this.tmux(['send-keys', ...keys]);
  }

  /** The exit code the pane printed, or null while the command runs. */
  exitCode(): number | null {
    const match = /^EXIT=(\d+)$/m.exec(this.screen({ history: true }));
    return match ? Number(match[1]) : null;
  }

  close(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      // Already gone.
    }
  }
}
