/**
 * The public API, one line per concept: each lives in its own file. The
 * entries re-export it: mod.ts with the embedded cores, workerd.ts with the
 * core from core.wasm.
 *
 * @module
 */

export { Barrier } from "./barrier.ts";
export { Condition } from "./condition.ts";
export { Event } from "./event.ts";
export { Lock } from "./lock.ts";
export { LifoQueue, PriorityQueue, Queue } from "./queue.ts";
export { BoundedSemaphore, Semaphore } from "./semaphore.ts";
export { asCompleted, type AsCompletedOptions } from "./as_completed.ts";
export { type Clock, realClock, VirtualClock, type VirtualClockOptions } from "./clock.ts";
export { ensureFuture, type EnsureFutureOptions } from "./ensure_future.ts";
export {
  BrokenBarrierError,
  CancelledError,
  ConnectionResetError,
  ExceptionGroup,
  IncompleteReadError,
  InvalidStateError,
  LimitOverrunError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  RuntimeError,
  TimeoutError,
} from "./errors.ts";
export { type DoneCallback, Future, type FutureOptions } from "./future.ts";
export { type Awaited_, gather, type GatherOptions, type GatherResults, type GatherSettled } from "./gather.ts";
export { Handle, TimerHandle } from "./handle.ts";
export {
  type ExceptionContext,
  type ExceptionHandler,
  Loop,
  type LoopOptions,
  type LoopStats,
  type TaskFactory,
} from "./loop.ts";
export type { Awaitable, Coroutine, Operation } from "./operation.ts";
export { type Main, run, Runner, type RunOptions } from "./runner.ts";
export { getRunningLoop } from "./_running.ts";
export { shield } from "./shield.ts";
export { sleep } from "./sleep.ts";
export {
  type ClientConnected,
  openConnection,
  type OpenConnectionOptions,
  type Separator,
  Server,
  startServer,
  type StartServerOptions,
  StreamReader,
  type StreamReaderOptions,
  StreamWriter,
} from "./streams.ts";
export {
  type CommunicateResult,
  createSubprocessExec,
  createSubprocessShell,
  DEVNULL,
  INHERIT,
  PIPE,
  Process,
  type ProcessWith,
  type StdioOption,
  STDOUT,
  type SubprocessOptions,
} from "./subprocess.ts";
export { allTasks, createTask, currentTask, eagerTaskFactory, Task, type TaskOptions } from "./task.ts";
export { TaskGroup, taskGroup } from "./task_group.ts";
export { formatTaskTree } from "./task_tree.ts";
export { startTrace, type TraceArg, type TraceEvent, type TraceFile, TraceRecorder } from "./trace.ts";
export { Timeout, timeout, timeoutAt } from "./timeout.ts";
export { toThread } from "./to_thread.ts";
export { call, until } from "./until.ts";
export { ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, type ReturnWhen, wait, type WaitOptions } from "./wait.ts";
export { waitFor } from "./wait_for.ts";
export {
  type AnyModule,
  type FunctionExports,
  type JobArgs,
  type JobResult,
  WorkerPool,
  type WorkerPoolOptions,
  type WorkerPoolStats,
} from "./worker_pool.ts";
export { type CoreKind, coreKind, setCoreModule } from "./_core.ts";
