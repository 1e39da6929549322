// Day.js, as its README shows it (ES module), with the UTC plugin.
import dayjs from "dayjs";
import utc from "dayjs/plugin/utc.js";
import { response } from "sdk/http";
dayjs.extend(utc);
const d = dayjs.utc("2024-02-29T12:30:00Z");
response.print(JSON.stringify([d.add(1, "year").format("YYYY-MM-DD HH:mm"), d.startOf("month").format(), d.isBefore(dayjs.utc("2024-03-01")), d.diff(dayjs.utc("2024-01-01"), "day"), dayjs.isDayjs(d)]));
