// Accounts (identity): the query-key factory.
export const userKeys = {
  all: ["users"] as const,
  lists: () => [...userKeys.all, "list"] as const,
  list: (q: string, page: number) => [...userKeys.lists(), { q, page }] as const,
};
