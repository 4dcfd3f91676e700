// Read a calendar as Thunderbird's parser, ical.js, does: each event's start as a UTC instant
// (its TZID resolved through the file's own VTIMEZONE), and, for each local time given after
// the file name, the UTC instant the file's VTIMEZONE gives it.
// Usage: node ical_read.mjs FILE.ics [YYYY-MM-DDTHH:MM:SS ...]  -> JSON on stdout
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [file, ...locals] = process.argv.slice(2);
const root = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
const events = root.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    summary: event.summary,
    start: event.startDate.toJSDate().toISOString(),
    tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
  };
});
const vtimezone = root.getFirstSubcomponent("vtimezone");
const zone = vtimezone ? new ICAL.Timezone(vtimezone) : null;
const asked = locals.map((local) => {
  const time = ICAL.Time.fromDateTimeString(local);
  time.zone = zone;
  return { local, utc: time.toJSDate().toISOString() };
});
process.stdout.write(JSON.stringify({ events, asked }));
