// The review of a campaign's submissions: the status board's key factory (the board, the bulk actions and every
// review decision refresh it through `reviewKeys.boards()`).
export interface BoardFilters {
  statuses: string[];
  q: string;
  groupBy: string;
  groupKey: string | undefined;
  page: number;
  pageSize: number;
  queue: string;
  sort: string;
}

export const reviewKeys = {
  all: ["review"] as const,
  /** Every campaign's status board, whatever its filters. */
  boards: () => [...reviewKeys.all, "board"] as const,
  board: (campaignId: string, filters: BoardFilters) => [...reviewKeys.boards(), campaignId, filters] as const,
};
