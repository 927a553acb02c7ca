/**
 * Durable storage under `dataDir`:
 *   state-machines.json              the registered machines (rewritten atomically via rename)
 *   executions/<machine>/<name>.jsonl one append-only journal per execution
 *
 * A journal's first line is the execution's metadata; every later line is one committed step:
 * the history events it produced and the complete run state after it. Replay is therefore
 * "concatenate the events, keep the last state". Writes are synchronous appends made before the
 * engine acts on the step (invokes a Lambda, answers an API call), so a crash loses nothing that
 * was acknowledged; a torn last line (crash mid-write) is ignored.
 */
import { appendFileSync, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionMeta, RunState, StoredEvent } from './interpreter.js';

export interface MachineRecord {
  stateMachineArn: string;
  name: string;
  definition: string;
  roleArn: string;
  type: 'STANDARD';
  creationDate: number;
  updateDate?: number;
}

export interface JournaledExecution {
  meta: ExecutionMeta;
  events: StoredEvent[];
  state: RunState;
}

export class Journal {
  private readonly executionsDir: string;
  private readonly machinesFile: string;

  constructor(private readonly dataDir: string) {
    this.executionsDir = join(dataDir, 'executions');
    this.machinesFile = join(dataDir, 'state-machines.json');
    mkdirSync(this.executionsDir, { recursive: true });
  }

  loadMachines(): MachineRecord[] {
    if (!existsSync(this.machinesFile)) return [];
    return JSON.parse(readFileSync(this.machinesFile, 'utf8')) as MachineRecord[];
  }

  saveMachines(machines: MachineRecord[]): void {
    const tmp = `${this.machinesFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(machines, null, 2));
    syncFile(tmp);
    renameSync(tmp, this.machinesFile);
  }

  private fileOf(meta: Pick<ExecutionMeta, 'stateMachineArn' | 'name'>): string {
    const machine = meta.stateMachineArn.split(':').pop()!;
    return join(this.executionsDir, encodeURIComponent(machine), `${encodeURIComponent(meta.name)}.jsonl`);
  }

  /** Creates the journal with its metadata and first step. */
  create(meta: ExecutionMeta, events: StoredEvent[], state: RunState): void {
    const file = this.fileOf(meta);
    mkdirSync(join(file, '..'), { recursive: true });
    const lines = `${JSON.stringify({ meta })}\n${JSON.stringify({ ev: events, st: state })}\n`;
    // 'w', not 'wx': a file without a committed step is a start that was never acknowledged.
    writeFileSync(file, lines);
  }

  append(meta: ExecutionMeta, events: StoredEvent[], state: RunState): void {
    appendFileSync(this.fileOf(meta), `${JSON.stringify({ ev: events, st: state })}\n`);
  }

  /** Flushes a journal to stable storage (on close: protects against power loss, not just crashes). */
  sync(meta: ExecutionMeta): void {
    syncFile(this.fileOf(meta));
  }

  loadExecutions(): JournaledExecution[] {
    const out: JournaledExecution[] = [];
    for (const machineDir of readdirSync(this.executionsDir, { withFileTypes: true })) {
      if (!machineDir.isDirectory()) continue;
      const dir = join(this.executionsDir, machineDir.name);
      for (const file of readdirSync(dir)) {
        if (!file.endsWith('.jsonl')) continue;
        const loaded = parseJournal(readFileSync(join(dir, file), 'utf8'));
        if (loaded) out.push(loaded);
      }
    }
    return out;
  }
}

function parseJournal(text: string): JournaledExecution | undefined {
  const lines = text.split('\n').filter((l) => l.length > 0);
  let meta: ExecutionMeta | undefined;
  let state: RunState | undefined;
  const events: StoredEvent[] = [];
  for (const [i, line] of lines.entries()) {
    let record: { meta?: ExecutionMeta; ev?: StoredEvent[]; st?: RunState };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      if (i === lines.length - 1) break; // torn write of the last step: it was never acknowledged
      throw new Error(`corrupt execution journal line ${i + 1}`);
    }
    if (record.meta) meta = record.meta;
    if (record.ev) events.push(...record.ev);
    if (record.st) state = record.st;
  }
  if (!meta || !state) return undefined;
  return { meta, events, state };
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
