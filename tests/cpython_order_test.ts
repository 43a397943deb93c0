import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  Event,
  type ExceptionGroup,
  FIRST_COMPLETED,
  type Future,
  gather,
  getRunningLoop,
  Lock,
  Queue,
  run,
  shield,
  sleep,
  taskGroup,
  timeout,
  TimeoutError,
  VirtualClock,
  wait,
  waitFor,
} from "../host/mod.ts";

// Each scenario's expected log is what CPython printed for the same program:
// tests/fixtures/cpython/<name>.py, run with `python3 <file>` (3.11.7 here).
// They pin the order of callbacks, wake-ups and cancellations, not only
// results.

test("callbacks, wake-ups, queues, locks and events interleave in CPython's order", async () => {
  const log: string[] = [];

  function* waiter(name: string, fut: Future<number>) {
    const v = yield* fut;
    log.push(`${name} got ${v}`);
    yield* sleep(0);
    log.push(`${name} after sleep0`);
  }
  await run(function* () {
    const loop = getRunningLoop();
    const fut = loop.createFuture<number>();
    fut.addDoneCallback(() => {
      log.push("cb1");
      loop.callSoon(() => log.push("cb1-soon"));
    });
    const t1 = createTask(waiter("t1", fut));
    yield* sleep(0);
    fut.addDoneCallback(() => log.push("cb2"));
    const t2 = createTask(waiter("t2", fut));
    loop.callSoon(() => log.push("soon-before-set"));
    yield* sleep(0);
    fut.setResult(7);
    log.push("set");
    loop.callSoon(() => log.push("soon-after-set"));
    yield* gather([t1, t2]);
    const q = new Queue<number>(1);
    function* prod() {
      for (let i = 0; i < 4; i++) {
        yield* q.put(i);
        log.push(`put ${i}`);
      }
    }
    function* cons(n: string) {
      for (let k = 0; k < 2; k++) {
        const x = yield* q.get();
        log.push(`${n} got ${x}`);
      }
    }
    yield* gather([prod(), cons("a"), cons("b")]);
    const lock = new Lock();
    function* w(n: number) {
      using _ = yield* lock.acquire();
      log.push(`${n} in`);
      yield* sleep(0);
      log.push(`${n} out`);
    }
    const ts = [0, 1, 2].map((i) => createTask(w(i)));
    yield* sleep(0);
    ts[1]!.cancel();
    yield* gather(ts, { returnExceptions: true });
    const ev = new Event();
    function* ew(n: number) {
      yield* ev.wait();
      log.push(`ev ${n}`);
    }
    const es = [0, 1, 2].map((i) => createTask(ew(i)));
    yield* sleep(0);
    loop.callSoon(() => log.push("soon-before-ev"));
    ev.set();
    log.push("ev set");
    yield* gather(es);
  });

  assert.deepEqual(log, [
    "soon-before-set",
    "set",
    "cb1",
    "t1 got 7",
    "cb2",
    "t2 got 7",
    "soon-after-set",
    "cb1-soon",
    "t1 after sleep0",
    "t2 after sleep0",
    "put 0",
    "a got 0",
    "put 1",
    "a got 1",
    "put 2",
    "b got 2",
    "put 3",
    "b got 3",
    "0 in",
    "0 out",
    "2 in",
    "2 out",
    "ev set",
    "soon-before-ev",
    "ev 0",
    "ev 1",
    "ev 2",
  ]);
});

test("taskGroup, waitFor, nested timeouts, gather, shield, wait and uncancel match CPython's order", async () => {
  const log: string[] = [];

  function* child(n: string, d: number, fail = false) {
    try {
      yield* sleep(d);
      if (fail) throw new RangeError(n);
      log.push(`${n} done`);
      return n;
    } catch (e) {
      if (e instanceof CancelledError) log.push(`${n} cancelled`);
      throw e;
    } finally {
      log.push(`${n} finally`);
    }
  }
  await run(function* () {
    try {
      yield* taskGroup(function* (tg) {
        tg.createTask(child("a", 10));
        tg.createTask(child("b", 20, true));
        tg.createTask(child("c", 30));
        yield* sleep(1000);
      });
    } catch (e) {
      log.push(`tg errors ${JSON.stringify((e as ExceptionGroup).errors.map((x) => (x as Error).message))}`);
    }
    try {
      yield* waitFor(child("w", 50), 20);
    } catch (e) {
      if (e instanceof TimeoutError) log.push("wait_for timeout");
      else throw e;
    }
    try {
      yield* timeout(30, function* () {
        try {
          yield* timeout(10, function* () {
            yield* sleep(1000);
          });
        } catch (e) {
          if (e instanceof TimeoutError) log.push("inner timeout");
          else throw e;
        }
        yield* sleep(1000);
      });
    } catch (e) {
      if (e instanceof TimeoutError) log.push("outer timeout");
      else throw e;
    }
    const r = yield* gather([child("g1", 5), child("g2", 1, true)], { returnExceptions: true });
    log.push(
      `gather ${
        JSON.stringify(r.map((x) => x instanceof Error ? (x.name === "RangeError" ? "ValueError" : x.name) : x))
      }`,
    );
    const t = createTask(child("s", 10));
    const s = shield(t);
    const outer = createTask(waitFor(s, 5));
    try {
      yield* outer;
    } catch (e) {
      if (e instanceof TimeoutError) log.push("shield timeout");
      else throw e;
    }
    log.push(`inner result ${yield* t}`);
    const { done, pending } = yield* wait([createTask(child("x", 5)), createTask(child("y", 15))], {
      returnWhen: FIRST_COMPLETED,
    });
    log.push(`wait done=${done.size} pending=${pending.size}`);
    for (const p of pending) p.cancel();
    yield* sleep(0);
    yield* sleep(0);
    const c = createTask(child("u", 100));
    yield* sleep(0);
    c.cancel();
    c.uncancel();
    try {
      yield* c;
    } catch (e) {
      if (e instanceof CancelledError) log.push(`u cancelled, cancelling=${c.cancelling()}`);
    }
  }, { clock: new VirtualClock() });

  const normalised = log.map((line) => line.replaceAll('"', "'").replaceAll(",'", ", '"));
  assert.deepEqual(normalised, [
    "a done",
    "a finally",
    "b finally",
    "c cancelled",
    "c finally",
    "tg errors ['b']",
    "w cancelled",
    "w finally",
    "wait_for timeout",
    "inner timeout",
    "outer timeout",
    "g2 finally",
    "g1 done",
    "g1 finally",
    "gather ['g1', 'ValueError']",
    "shield timeout",
    "s done",
    "s finally",
    "inner result s",
    "x done",
    "x finally",
    "wait done=1 pending=1",
    "y cancelled",
    "y finally",
    "u cancelled",
    "u finally",
    "u cancelled, cancelling=0",
  ]);
});
