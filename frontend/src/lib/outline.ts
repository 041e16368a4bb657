// Reading a report outline (đề cương): its sections in order, which section a field (or a table cell's
// error) belongs to, what is still missing, and the server's problems grouped by section.
import type { SubmissionsComponents } from "../api/generated";

export type OutlineSection = SubmissionsComponents["schemas"]["OutlineSection"];
export type OutlineField = SubmissionsComponents["schemas"]["OutlineField"];
export type Outline = SubmissionsComponents["schemas"]["OutlineDefinition"];
export type Content = Record<string, unknown>;

/** Depth-first, in reading order (1, 2, 3, 4, 4a, 4b …). */
export function walkSections(sections: OutlineSection[]): OutlineSection[] {
  return sections.flatMap((section) => [section, ...walkSections(section.sections ?? [])]);
}

/** The field id a server error names: "s4_infrastructure[2].item" → "s4_infrastructure". */
export function baseFieldId(errorField: string): string {
  return errorField.replace(/\[.*$/, "").replace(/\..*$/, "");
}

export function sectionOfField(outline: Outline): Map<string, string> {
  const map = new Map<string, string>();
  for (const section of walkSections(outline.sections)) {
    for (const field of section.fields ?? []) map.set(field.id, section.number);
  }
  return map;
}

/** The same notion of "no answer" as the server's. */
export function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return value.trim().length === 0;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value as object).length === 0;
  return false;
}

/** Required answers of one section (not its sub-sections): how many there are and how many are given. */
export function sectionProgress(section: OutlineSection, content: Content): { required: number; answered: number } {
  const required = (section.fields ?? []).filter((f) => f.required);
  return { required: required.length, answered: required.filter((f) => !isEmpty(content[f.id])).length };
}

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The server's field errors (422 on save or submit) by section number, in outline order; errors naming no
 * known field go under "" so that nothing is hidden.
 */
export function problemsBySection(outline: Outline, errors: FieldProblem[]): Map<string, FieldProblem[]> {
  const where = sectionOfField(outline);
  const grouped = new Map<string, FieldProblem[]>();
  for (const section of walkSections(outline.sections)) grouped.set(section.number, []);
  grouped.set("", []);
  for (const error of errors) {
    const number = where.get(baseFieldId(error.field)) ?? "";
    grouped.get(number)!.push(error);
  }
  for (const [number, list] of grouped) if (list.length === 0) grouped.delete(number);
  return grouped;
}

/** Field id → the first message about it (for the message under the input). */
export function problemsByField(errors: FieldProblem[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const error of errors) {
    const id = baseFieldId(error.field);
    if (!map.has(id)) map.set(id, error.message);
  }
  return map;
}
