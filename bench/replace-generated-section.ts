export const BEGIN_MARKER = "<!-- npm run bench: generated section begins; edit the text around it, not this -->";
export const END_MARKER = "<!-- npm run bench: generated section ends -->";

/**
 * `doc` with the text between the markers replaced by `section`, the
 * hand-written text around it kept as it is. Without markers the section is
 * appended under `heading`.
 */
export function replaceGeneratedSection(doc: string, section: string, heading: string): string {
  const block = `${BEGIN_MARKER}\n${section.trimEnd()}\n${END_MARKER}`;
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (begin < 0 && end < 0) return `${doc.trimEnd()}\n\n${heading}\n\n${block}\n`;
  if (begin < 0 || end < begin) throw new Error("docs/BENCHMARKS.md: the generated section's markers are broken; restore both");
  return doc.slice(0, begin) + block + doc.slice(end + END_MARKER.length);
}
