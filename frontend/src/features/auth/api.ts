// The signed-in person's server state: its query keys (one factory, the only place they are written) and the
// one query definition the provider and the routes share.
import { api, call } from "../../api/client";

export const authKeys = {
  all: ["auth"] as const,
  me: () => [...authKeys.all, "me"] as const,
};

/** The signed-in person, one definition for the provider and for routes that need to know who it is early. */
export const meQueryOptions = {
  queryKey: authKeys.me(),
  queryFn: () => call(api.GET("/api/identity/me")),
  staleTime: 5 * 60_000,
};
