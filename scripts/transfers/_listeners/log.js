// The listener of the "downloads" session (see ../start.js): called in a
// fresh VM with each event no request listened to, in order per task, at
// least once. A file under a folder named with a leading "_" is never
// served over HTTP.
module.exports = function (event) {
  switch (event.type) {
    case "downloadprogress":
      console.log(`task ${event.taskIdentifier}: ${event.totalBytesWritten} of ${event.totalBytesExpectedToWrite || "?"} bytes`);
      break;
    case "downloadcompleted":
      console.log(`task ${event.taskIdentifier}: downloaded ${event.data.length} bytes to ${event.file}`);
      break;
    case "sessioncompleted":
      console.log(`task ${event.taskIdentifier}: ` + (event.success ? `done, HTTP ${event.statusCode}` : `failed ${event.errorCode}: ${event.message}`));
      break;
    case "sessioneventscompleted":
      console.log(`session ${event.sessionIdentifier}: every event delivered`);
      break;
  }
};
