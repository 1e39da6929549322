// hello beside the packages: the baseline of BenchmarkNPMRequest.
require("http/response").print("Hello World");
