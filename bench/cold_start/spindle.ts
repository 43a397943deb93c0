// W8 cold start, spindle: import the library, run a main that sleeps 0, exit.
import { run, sleep } from "../../host/mod.ts";

await run(function* () {
  yield* sleep(0);
});
