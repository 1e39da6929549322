// GET /transfers/voltmx  Volt MX's HttpRequest: this server's /hello,
// with the ready states it went through.
const request = require("http/request");
const response = require("http/response");

const states = [];
const req = new voltmx.net.HttpRequest();
req.onReadyStateChange = function () {
  states.push(this.readyState);
  if (this.readyState === constants.HTTP_READY_STATE_DONE) {
    response.setContentType("application/json");
    response.print(JSON.stringify({ states, status: this.status, responseType: this.responseType, response: this.response }));
  }
};
req.open(constants.HTTP_METHOD_GET, `${request.getScheme()}://${request.getHeader("Host")}/hello`);
req.send();
