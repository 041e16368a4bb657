// Units, clusters and reorganisations (identity): the query-key factory and the hooks the screens share.
import { useQuery } from "@tanstack/react-query";
import { allItems, api, PAGE_MAX } from "../../api/client";
import type { UnitType } from "../../api/types";

export interface UnitFilters {
  q: string;
  types: UnitType[];
  communeId: string | null;
  clusterId: string | undefined;
  page: number;
}

export const unitKeys = {
  all: ["units"] as const,
  /** The admin list's pages: refreshed after every change to a unit. */
  lists: () => [...unitKeys.all, "list"] as const,
  list: (filters: UnitFilters) => [...unitKeys.lists(), filters] as const,
  /** The pickers' searches (not refreshed by changes: a picker asks again as the person types). */
  picker: (q: string, types: UnitType[] | undefined) => [...unitKeys.all, "picker", q, types] as const,
  communes: () => [...unitKeys.all, "picker", "communes"] as const,
  targets: (q: string) => [...unitKeys.all, "picker", "targets", q] as const,
  clusters: () => [...unitKeys.all, "clusters"] as const,
  /** A cluster's schools (asked again when its member count changes) and the schools a search offers to add. */
  clusterMembers: (clusterId: string, count: number) => [...unitKeys.all, "cluster", clusterId, count] as const,
  clusterCandidates: (q: string, communeId: string | null, page: number) =>
    [...unitKeys.all, "cluster-candidates", q, communeId, page] as const,
  reorganisations: () => [...unitKeys.all, "reorganisations"] as const,
};

export function useClusters() {
  return useQuery({ queryKey: unitKeys.clusters(), queryFn: () => allItems((offset) => api.GET("/api/identity/clusters", { params: { query: { limit: PAGE_MAX, offset } } })) });
}
