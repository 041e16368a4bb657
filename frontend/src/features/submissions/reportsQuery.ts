// The school dashboard's list, as one query definition: the dashboard reads it, and the home route asks for it
// as soon as the signed-in person is known to be a school's (in parallel with the screens' code, not after it).
import type { QueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import { meQueryOptions } from "../auth/api";
import { isSchoolUser } from "../auth/roles";
import { tokens } from "../auth/session";
import { submissionKeys } from "./api";

export const unitSubmissionsQuery = {
  queryKey: submissionKeys.mine(),
  queryFn: () => call(api.GET("/api/submissions/submissions", { params: { query: { limit: 200 } } })),
};

// Whether the last person signed in on this browser was a school's: a hint that lets the list be asked for at
// the same time as who is signed in (not one round trip later). A wrong hint costs one unused answer, nothing else:
// the dashboard still decides from the server's answer about the person, and the server scopes the list.
const SCHOOL_HINT = "edudx.school-home";

function hintedSchool(): boolean {
  try {
    return localStorage.getItem(SCHOOL_HINT) === "1";
  } catch {
    return false;
  }
}

function rememberSchool(school: boolean): void {
  try {
    localStorage.setItem(SCHOOL_HINT, school ? "1" : "0");
  } catch {
    // private mode: no hint, the list waits for the person as before
  }
}

/** Starts loading a school's reports when someone is signed in and is (or, by the hint, was last time) a school
 * user; never waits, never throws (the screens show what went wrong with their own queries). */
export function prefetchSchoolReports(queryClient: QueryClient): void {
  if (tokens() === null) return;
  const hinted = hintedSchool();
  if (hinted) void queryClient.prefetchQuery(unitSubmissionsQuery);
  void queryClient.ensureQueryData(meQueryOptions)
    .then((me) => {
      const school = isSchoolUser(me);
      rememberSchool(school);
      if (school && !hinted) return queryClient.prefetchQuery(unitSubmissionsQuery);
      return undefined;
    })
    .catch(() => undefined);
}
