# workerd config for spindle's edge example (worker.ts). Build, then serve:
#
#   node examples/edge/build.mjs /tmp/edge
#   UPSTREAM_URL=http://127.0.0.1:8000 npx workerd serve /tmp/edge/config.capnp
#
# build.mjs puts worker.js (the bundle) and core.wasm (spindle's core, which
# workerd compiles when it loads the worker) beside this file.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "edge", worker = .edgeWorker),
    # The default "internet" service reaches public addresses only; the
    # example's origin is on loopback.
    (name = "internet", network = (allow = ["public", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8080", http = (), service = "edge")],
);

const edgeWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "core.wasm", wasm = embed "core.wasm"),
  ],
  compatibilityDate = "2026-11-17",
  bindings = [(name = "UPSTREAM", fromEnvironment = "UPSTREAM_URL")],
);
