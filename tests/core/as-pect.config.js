// as-pect 8.1 configuration for the core's unit tests (assembly/ → tests/core/).
//
//   npx asp --config tests/core/as-pect.config.js --as-config tests/core/as-pect.asconfig.json --no-logo
//
// Both flags are needed: as-pect resolves --as-config (default
// ./as-pect.asconfig.json) against the working directory, not this file.
// Every *.spec.ts here compiles to its own module instance, so module-level
// state (slot table, ring, heap) is shared by the tests of one file only.

/** Assertions evaluated (each matcher reports its actual value once); printed at exit. */
let assertions = 0;
process.on("exit", () => {
  process.stdout.write(`  [Assertions]: ${assertions}\n`);
});

export default {
  entries: ["tests/core/**/*.spec.ts"],
  include: ["tests/core/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    const imports = createImports({ env: { memory } });
    const report = imports.__aspect.reportActualReflectedValue;
    imports.__aspect.reportActualReflectedValue = (...args) => {
      assertions++;
      return report(...args);
    };
    return instantiate(binary, imports);
  },
  outputBinary: false,
};
