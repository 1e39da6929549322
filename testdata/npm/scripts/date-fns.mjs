// date-fns, as its README shows it (ES module).
import { format, addDays, differenceInCalendarDays, compareAsc, formatDistance } from "date-fns";
import { response } from "sdk/http";
const dates = [new Date(1995, 6, 2), new Date(1987, 1, 11), new Date(1989, 6, 10)].sort(compareAsc);
response.print(JSON.stringify([format(new Date(2014, 1, 11), "yyyy-MM-dd"), format(addDays(new Date(2024, 0, 30), 3), "yyyy-MM-dd"),
	differenceInCalendarDays(new Date(2012, 6, 2), new Date(2011, 6, 2)), dates.map((d) => format(d, "yyyy")), formatDistance(new Date(2024, 0, 1), new Date(2024, 0, 4))]));
