// GET /hello → "Hello World"
var response = require("http/response");

response.setContentType("text/plain; charset=utf-8");
response.print("Hello World");
