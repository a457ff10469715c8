// Runs a case's BPMN 2.0 process with bpmn-engine, one step at a time: start, complete a user task, or
// wake up for a timer. Each step recovers the engine from the state saved in the database, runs until
// the process waits (user task, timer) or ends, and returns the new state with the effects the service
// tasks asked for. The engine never touches the database or the network itself: the case service
// persists state and effects in one transaction, so a crash between steps loses nothing and another
// instance resumes the case from the same state. The saved state leaves out the definition (the case's
// service version has it); a step that follows at once in the same call goes on in the engine that
// just settled (its state was saved all the same).
//
// Expressions: `${environment.services.name("arg")}` picks a service task's implementation;
// conditions on sequence flows are FEEL (`=decision = "approved"`, `=form.art = "geburt"`) evaluated
// against the case variables (form data, decision). Script tasks and script conditions are disabled:
// process designers model, they do not run code on the server.
import { createHash } from 'node:crypto';
import { setImmediate as nextTick } from 'node:timers/promises';
import { Timers, type IScripts } from 'bpmn-elements';
import { Engine, type BpmnEngineOptions } from 'bpmn-engine';
import { evaluate } from 'feelin';
import { AppError, Errors } from '../../core/errors.js';

export type CaseStatusEffect = 'received' | 'in_progress' | 'action_required' | 'completed' | 'rejected';

export type Effect =
  | { kind: 'status'; status: CaseStatusEffect; activityId: string }
  | { kind: 'document'; template: string; activityId: string }
  | { kind: 'payment'; activityId: string }
  | { kind: 'connector'; activityId: string }
  | { kind: 'notify'; template: string; activityId: string }
  | { kind: 'reminder'; activityId: string };

export interface WaitingUserTask {
  activityId: string;
  name: string;
}

/** A receive task waiting for an event from outside (message name `payment` or `delivery`). */
export interface WaitingReceive {
  activityId: string;
  message: string;
}

export interface StepResult {
  state: unknown;
  effects: Effect[];
  userTasks: WaitingUserTask[];
  waits: WaitingReceive[];
  /** Earliest moment a waiting timer expires; a job wakes the case then. */
  nextTimerAt: Date | null;
  ended: boolean;
}

/** The process is not waiting where a signal points (the step was done already, or never reached). */
export class StepNotWaiting extends AppError {
  constructor(message: string) {
    super('egov_step_not_waiting', 409, message);
  }
}

export type CaseVariables = Record<string, unknown>;

const SERVICE_EXPRESSION = /^\$\{environment\.services\.(\w+)(?:\((.*)\))?\}$/;
const MAX_SETTLE_TICKS = 10_000;

type ServiceFn = (scope: { content: { id: string } }, callback: (error: Error | null) => void) => void;

/** What one step's expressions read and write; a live engine's next step gets a fresh one (see `#live`). */
interface StepScope {
  variables: CaseVariables;
  effects: Effect[];
}

function serviceTable(step: StepScope): Record<string, (...args: string[]) => ServiceFn> {
  const record =
    (make: (activityId: string) => Effect): ServiceFn =>
    (scope, callback) => {
      step.effects.push(make(scope.content.id));
      callback(null);
    };
  const statuses: readonly string[] = ['received', 'in_progress', 'action_required', 'completed', 'rejected'];
  return {
    setStatus: (status = '') => {
      if (!statuses.includes(status)) throw Errors.validation(`Unknown case status ${status}`);
      return record((activityId) => ({ kind: 'status', status: status as CaseStatusEffect, activityId }));
    },
    generateDocument: (template = 'bescheid') =>
      record((activityId) => ({ kind: 'document', template, activityId })),
    requestPayment: () => record((activityId) => ({ kind: 'payment', activityId })),
    sendToConnector: () => record((activityId) => ({ kind: 'connector', activityId })),
    notifyCitizen: (template = 'status') =>
      record((activityId) => ({ kind: 'notify', template, activityId })),
    remindCaseworker: () => record((activityId) => ({ kind: 'reminder', activityId })),
  };
}

function parseArguments(raw: string | undefined): string[] {
  if (!raw || !raw.trim()) return [];
  return raw.split(',').map((part) => {
    const match = /^\s*"([^"]*)"\s*$/.exec(part) ?? /^\s*'([^']*)'\s*$/.exec(part);
    if (!match) throw Errors.validation(`Service arguments must be quoted strings: ${raw}`);
    return match[1]!;
  });
}

function expressionsFor(step: StepScope) {
  const services = serviceTable(step);
  const resolve = (text: unknown): unknown => {
    if (typeof text !== 'string') return text;
    if (text.startsWith('=')) {
      const result = evaluate(text.slice(1), step.variables) as { value: unknown };
      return result.value;
    }
    const service = SERVICE_EXPRESSION.exec(text);
    if (service) {
      const make = services[service[1]!];
      if (!make) throw Errors.validation(`Unknown service ${service[1]}`);
      return make(...parseArguments(service[2]));
    }
    // ${...} other than a service (e.g. a timer duration from a variable) is resolved from the variables.
    return text.replace(/\$\{([\w.]+)\}/g, (_, path: string) => {
      let value: unknown = step.variables;
      for (const key of path.replace(/^environment\.variables\./, '').split('.'))
        value = (value as Record<string, unknown> | undefined)?.[key];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    });
  };
  return {
    resolveExpression: resolve,
    isExpression: (text: unknown) =>
      typeof text === 'string' && (text.startsWith('=') || /^\$\{.+\}$/.test(text)),
    hasExpression: (text: unknown) =>
      typeof text === 'string' && (text.startsWith('=') || /\$\{.+?\}/.test(text)),
  };
}

// Engine typings demand a Script; returning none makes the engine refuse script tasks and conditions.
const noScripts = {
  register: () => undefined,
  getScript: () => undefined,
} as unknown as IScripts;

// The engine's default logger builds a `debug` instance (with a tty probe) per element and run; the
// platform logs steps itself, so a silent logger saves that work on every step.
const silentLogger = () => ({ debug: () => undefined, warn: () => undefined, error: () => undefined });

/** Marks a timer the engine asked for but that was not scheduled in memory (a job wakes the case). */
const NOT_SCHEDULED = Symbol('not scheduled');

/**
 * Timers for one step: only already expired timers (delay <= 0, on a wake-up) run in memory; a future
 * timer is left to the `egov.case.wake` job. So a step leaves nothing behind in the process and the engine
 * need not be stopped (stopping walks every element and cost about a sixth of a start).
 */
function stepTimers(): Timers {
  return new Timers({
    setTimeout: ((callback: (...args: unknown[]) => void, delay: number, ...args: unknown[]) =>
      delay > 0 ? NOT_SCHEDULED : setTimeout(() => callback(...args), 0)) as unknown as typeof setTimeout,
    clearTimeout: (ref: unknown) => {
      if (ref !== NOT_SCHEDULED) clearTimeout(ref as NodeJS.Timeout);
    },
  });
}

interface PostponedApi {
  id: string;
  type: string;
  name?: string;
  content: { name?: string; message?: { name?: string; id?: string } };
  signal(message?: unknown): void;
}

/** The name of the message a receive task waits for (its messageRef), or its id without one. */
function messageOf(activity: PostponedApi): string {
  return activity.content.message?.name ?? activity.content.message?.id ?? activity.id;
}

interface TimerRef {
  delay: number;
  timerRef: unknown;
}

type ModelContext = BpmnEngineOptions['sourceContext'];

/**
 * The engine's state repeats the whole serialised definition (about two thirds of it for the shipped
 * processes); the case's service version holds the definition already, so each step would encrypt, store,
 * decrypt and parse it again for nothing.
 */
function withoutSource(state: unknown): unknown {
  const saved = state as { definitions?: { source?: unknown }[] };
  return {
    ...saved,
    definitions: saved.definitions?.map(({ source: _source, ...definition }) => definition),
  };
}

/** Parsing BPMN XML is the costly part of a start; versions never change, so their parse is kept. */
const MAX_CACHED_MODELS = 200;

export class ProcessRunner {
  readonly #models = new Map<string, Promise<ModelContext>>();
  /**
   * The engine behind a state this runner just returned, while that state object lives: a step that
   * follows at once in the same call (the fee is invoiced, so the start goes on to the payment) signals it
   * instead of recovering the same state into a new engine. The state was saved in between all the same;
   * any other caller, instance or later call recovers from the saved state as before.
   */
  readonly #live = new WeakMap<object, { engine: Engine; scope: StepScope }>();

  private sourceContext(bpmnXml: string): Promise<ModelContext> {
    const key = createHash('sha256').update(bpmnXml).digest('hex');
    const cached = this.#models.get(key);
    if (cached) return cached;
    const parser = new Engine({ name: 'parse' }) as unknown as {
      _serializeSource(xml: string): Promise<ModelContext>;
    };
    const parsed = parser._serializeSource(bpmnXml);
    parsed.catch(() => this.#models.delete(key));
    if (this.#models.size >= MAX_CACHED_MODELS) this.#models.delete(this.#models.keys().next().value!);
    this.#models.set(key, parsed);
    return parsed;
  }

  /** Starts a new process instance of `bpmnXml` with the case's variables. */
  async start(name: string, bpmnXml: string, variables: CaseVariables): Promise<StepResult> {
    const scope: StepScope = { variables, effects: [] };
    const engine = new Engine({
      name,
      sourceContext: await this.sourceContext(bpmnXml),
      expressions: expressionsFor(scope),
      scripts: noScripts,
      timers: stepTimers(),
      Logger: silentLogger,
    });
    const startedAt = Date.now();
    await engine.execute();
    return this.settle(engine, scope, startedAt);
  }

  /** Recovers and resumes: expired timers fire, everything else keeps waiting. */
  async resume(name: string, bpmnXml: string, state: unknown, variables: CaseVariables): Promise<StepResult> {
    const scope: StepScope = { variables, effects: [] };
    const engine = await this.recover(name, bpmnXml, state, scope);
    const startedAt = Date.now();
    await engine.resume();
    return this.settle(engine, scope, startedAt);
  }

  /** Completes a waiting user task, so the process continues (gateways read the updated variables). */
  completeUserTask(
    name: string,
    bpmnXml: string,
    state: unknown,
    activityId: string,
    variables: CaseVariables,
  ): Promise<StepResult> {
    return this.signalWaiting(
      name,
      bpmnXml,
      state,
      variables,
      (a) => a.id === activityId && /UserTask|ManualTask/.test(a.type),
      `The step ${activityId} is not waiting`,
    );
  }

  /** Delivers an outside event (`payment`, `delivery`) to the receive task waiting for that message. */
  receive(
    name: string,
    bpmnXml: string,
    state: unknown,
    message: string,
    variables: CaseVariables,
  ): Promise<StepResult> {
    return this.signalWaiting(
      name,
      bpmnXml,
      state,
      variables,
      (a) => /ReceiveTask/.test(a.type) && messageOf(a) === message,
      `The process is not waiting for ${message}`,
    );
  }

  private async signalWaiting(
    name: string,
    bpmnXml: string,
    state: unknown,
    variables: CaseVariables,
    match: (activity: PostponedApi) => boolean,
    notWaiting: string,
  ): Promise<StepResult> {
    const live = typeof state === 'object' && state !== null ? this.#live.get(state) : undefined;
    if (live) this.#live.delete(state as object);
    const scope: StepScope = live
      ? Object.assign(live.scope, { variables, effects: [] })
      : { variables, effects: [] };
    const engine = live?.engine ?? (await this.recover(name, bpmnXml, state, scope));
    const startedAt = Date.now();
    if (!live) {
      await engine.resume();
      await this.untilQuiet(engine);
    }
    const task = (engine.execution.getPostponed() as unknown as PostponedApi[]).find(match);
    if (!task) {
      if (this.status(engine).state === 'running') await engine.stop();
      throw new StepNotWaiting(notWaiting);
    }
    task.signal({ completedBy: 'caseworker' });
    return this.settle(engine, scope, startedAt);
  }

  /**
   * A saved state names its definition but does not carry it (see `withoutSource`): the engine takes the
   * version's parse from the cache. States saved with their source still recover from that source.
   */
  private async recover(name: string, bpmnXml: string, state: unknown, scope: StepScope) {
    return new Engine({
      name,
      sourceContext: await this.sourceContext(bpmnXml),
      expressions: expressionsFor(scope),
      scripts: noScripts,
      timers: stepTimers(),
      Logger: silentLogger,
    }).recover(state);
  }

  // The engine's status enums are const enums in its typings; compare their string values.
  private status(engine: Engine): { state: string; activity: string } {
    return { state: String(engine.state), activity: String(engine.activityStatus) };
  }

  private async untilQuiet(engine: Engine): Promise<void> {
    for (let tick = 0; tick < MAX_SETTLE_TICKS; tick++) {
      await nextTick();
      const { state, activity } = this.status(engine);
      if (state !== 'running' || activity !== 'executing') return;
    }
    throw Errors.unavailable('The process did not settle');
  }

  private async settle(engine: Engine, scope: StepScope, startedAt: number): Promise<StepResult> {
    await this.untilQuiet(engine);
    const { state: engineState } = this.status(engine);
    if (engineState === 'error') throw Errors.validation('The process failed; check the model');
    const ended = engineState === 'idle' && !engine.execution?.isRunning;
    const postponed = ended ? [] : (engine.execution.getPostponed() as unknown as PostponedApi[]);
    const userTasks = postponed
      .filter((a) => /UserTask|ManualTask/.test(a.type))
      .map((a) => ({ activityId: a.id, name: a.name ?? a.content.name ?? a.id }));
    const waits = postponed
      .filter((a) => /ReceiveTask/.test(a.type))
      .map((a) => ({ activityId: a.id, message: messageOf(a) }));
    const timers = (engine.environment.timers as unknown as { executing: TimerRef[] }).executing;
    const nextTimerAt =
      timers.length > 0 ? new Date(startedAt + Math.min(...timers.map((t) => t.delay)) + 1000) : null;
    const state = withoutSource(await engine.getState());
    // Only a timer running in memory needs a stop; a finished engine has nothing to stop (and would not answer).
    if (!ended && timers.some((t) => t.timerRef !== NOT_SCHEDULED)) await engine.stop();
    // Kept only without timers: a waiting timer's delay would count from this step's start, not the next.
    else if (!ended && timers.length === 0) this.#live.set(state as object, { engine, scope });
    return { state, effects: scope.effects, userTasks, waits, nextTimerAt, ended };
  }
}
