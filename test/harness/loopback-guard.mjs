// Loaded with --import into every bundle the tests run: a connection to any
// address outside the loopback range fails at once instead of leaving the
// machine. Host names are allowed only when they are `localhost`.
import net from "node:net";

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
function allowed(host) {
  if (host === undefined || host === null || host === "") return true; // defaults to localhost
  const h = String(host).replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || LOOPBACK_V4.test(h) || h.startsWith("/");
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  // net.connect/createConnection (and so http.Agent) pass their arguments
  // already normalized, as one array [options, callback].
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  if (first && typeof first === "object" && !Array.isArray(first)) host = first.path ? "/" : first.host;
  else if (typeof first === "string" && Number.isNaN(Number(first)))
    host = "/"; // unix socket path
  else host = args[1];
  if (!allowed(host)) {
    const error = new Error(`loopback guard: connection to ${host} refused; tests may reach loopback only`);
    error.code = "ECONNREFUSED";
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};
