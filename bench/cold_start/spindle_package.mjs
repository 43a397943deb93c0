// W8 cold start, spindle as its package gives it to Node, Deno and Bun
// (package.json exports: dist/spindle.js, which loads dist/chunks/ on first
// use): import it, run a main that sleeps 0, exit. Run as is, not bundled;
// `npm run build` makes dist/.
import { run, sleep } from "../../dist/spindle.js";

await run(function* () {
  yield* sleep(0);
});
