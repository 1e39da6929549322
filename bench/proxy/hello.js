// Readiness probe of bench/proxy.sh.
var response = require("http/response");
response.setContentType("text/plain");
response.print("Hello World");
