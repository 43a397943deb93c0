// W8 cold start, the floor: load the floor scheduler, run a main that sleeps 0, exit.
import { floorRun } from "../_floor.ts";

await floorRun(function* () {
  yield 0;
});
