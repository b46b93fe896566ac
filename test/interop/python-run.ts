import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Runs a Python interop peer (Debian's /usr/bin/python3 with python3-azure / python3-qpid-proton,
// which .ci/run installs). A missing interpreter or package fails the test: nothing is skipped.

export const PYTHON = '/usr/bin/python3';
const SCRIPTS = fileURLToPath(new URL('./python/', import.meta.url));

export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON, when there is one. */
  result: Record<string, unknown> | undefined;
}

export function runPython(script: string, args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPTS + script, ...args], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${PYTHON} could not be started (CI installs it with .ci/run): ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      let result: Record<string, unknown> | undefined;
      try {
        result = last.startsWith('{') ? (JSON.parse(last) as Record<string, unknown>) : undefined;
      } catch {
        result = undefined;
      }
      resolve({ code, stdout, stderr, result });
    });
  });
}

/** A readable failure message: the peer's own output. */
export function describe(run: PythonRun): string {
  return `exit ${run.code}\nstdout:\n${run.stdout.slice(-3000)}\nstderr:\n${run.stderr.slice(-3000)}`;
}
