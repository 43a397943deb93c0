// W8 cold start, Effection 4: import the library, run a main that sleeps 0, exit.
import { run, sleep } from "effection";

await run(function* () {
  yield* sleep(0);
});
