// The proxy workload: fetch the upstream's /hello and answer its body.
// bench/proxy.sh writes UPSTREAM (http://127.0.0.1:PORT) into a copy.
const response = require("http/response");
fetch("UPSTREAM/hello")
  .then((r) => r.text())
  .then((text) => {
    response.setContentType("text/plain");
    response.print(text);
  });
