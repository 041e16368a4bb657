// Accounts (identity): the query-key factory.
export const userKeys = {
  all: ["users"] as const,
  lists: () => [...userKeys.all, "list"] as const,
  list: (q: string, page: number) => [...userKeys.lists(), { q, page }] as const,
};

// Rights a Sở grants commune officials (identity `/commune-grants`).
export const communeGrantKeys = {
  all: ["commune-grants"] as const,
  lists: () => [...communeGrantKeys.all, "list"] as const,
  list: (includeRevoked: boolean, page: number) => [...communeGrantKeys.lists(), { includeRevoked, page }] as const,
  officials: (communeId: string | null) => [...communeGrantKeys.all, "officials", communeId] as const,
};
