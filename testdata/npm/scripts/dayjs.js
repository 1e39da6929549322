// Day.js, as its README shows it (CommonJS), with the UTC plugin.
const dayjs = require("dayjs");
const utc = require("dayjs/plugin/utc");
dayjs.extend(utc);
const d = dayjs.utc("2024-02-29T12:30:00Z");
require("http/response").print(JSON.stringify([d.add(1, "year").format("YYYY-MM-DD HH:mm"), d.startOf("month").format(), d.isBefore(dayjs.utc("2024-03-01")), d.diff(dayjs.utc("2024-01-01"), "day"), dayjs.isDayjs(d)]));
