// Calls made without a session (login, refresh, logout): the same generated types, no bearer token.
import createClient from "openapi-fetch";
import type { AllPaths } from "./generated";

export const anonymousApi = createClient<AllPaths>({ baseUrl: "" });
