const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** IMF-fixdate, or RFC 1123 with a numeric zone or UT/UTC (what Go's time.RFC1123 writes in UTC). */
const IMF = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UTC|UT|[+-]\d{4})$/;
/** The obsolete RFC 850 form, `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850 =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
/** ANSI C's asctime() form, `Sun Nov  6 08:49:37 1994`. */
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * An HTTP `Date` value in milliseconds since the epoch, or undefined when it
 * is none of the three HTTP-date forms a recipient must accept (RFC 9110
 * §5.6.7). Numeric zones (`+0200`) and `UTC` are accepted too, for senders
 * that write RFC 5322 dates. A two-digit RFC 850 year is read as the nearest
 * one (RFC 9110 §5.6.7: no more than 50 years in the future).
 */
export function parseHttpDate(value: string, now: number): number | undefined {
  const text = value.trim();
  // [day, month, year, hours, minutes, seconds, zone]
  let parts: string[];
  let match: RegExpExecArray | null;
  if ((match = IMF.exec(text))) {
    parts = match.slice(1);
  } else if ((match = RFC850.exec(text))) {
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(match[3]);
    if (year > thisYear + 50) year -= 100;
    parts = [match[1]!, match[2]!, String(year), match[4]!, match[5]!, match[6]!, "GMT"];
  } else if ((match = ASCTIME.exec(text))) {
    parts = [match[2]!, match[1]!, match[6]!, match[3]!, match[4]!, match[5]!, "GMT"];
  } else {
    return undefined;
  }
  const [day, month, year, hours, minutes, seconds] = parts.slice(0, 6).map((p, i) => (i === 1 ? MONTHS.indexOf(p!) : Number(p)));
  const zone = parts[6]!;
  if (month! < 0 || day! < 1 || day! > 31 || hours! > 23 || minutes! > 59 || seconds! > 60) return undefined;
  const utc = Date.UTC(year!, month!, day!, hours!, minutes!, Math.min(seconds!, 59));
  if (new Date(utc).getUTCDate() !== day) return undefined; // 31 Feb and the like
  const sign = zone.startsWith("-") ? -1 : 1;
  const offsetMinutes = /^[+-]\d{4}$/.test(zone) ? sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3))) : 0;
  return utc - offsetMinutes * 60_000;
}
