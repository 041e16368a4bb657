// The key factories' invalidation rule, on a real QueryClient: a write refreshes what it changed (a prefix of
// the factory's keys) and nothing else. A factory whose keys stopped nesting would leave a stale list on screen
// after a save, or refetch a detail the save had just put in the cache.
import { QueryClient, type QueryKey } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { campaignKeys } from "./campaigns/api";
import { evidenceKeys } from "./evidence/api";
import { integrationKeys } from "./integrations/api";
import { notificationKeys } from "./notifications/api";
import { resultKeys } from "./results/api";
import { reviewKeys } from "./review/api";
import { rubricKeys } from "./rubrics/api";
import { scoreKeys } from "./scoring/api";
import { submissionKeys } from "./submissions/api";
import { unitKeys } from "./units/api";

/** Seed `keys` into a fresh cache, invalidate `target`, and answer which of them were invalidated. */
async function invalidated(keys: QueryKey[], target: QueryKey): Promise<QueryKey[]> {
  const client = new QueryClient();
  keys.forEach((key, i) => client.setQueryData(key, i));
  await client.invalidateQueries({ queryKey: target, refetchType: "none" });
  return keys.filter((key) => client.getQueryState(key)?.isInvalidated);
}

const FILTERS = { statuses: [], q: "", groupBy: "child", groupKey: undefined, page: 1, pageSize: 20, queue: "all", sort: "name" };

describe("query-key factories", () => {
  it("a campaign write refreshes every list and the wizard's copy sources, not the detail it put in the cache", async () => {
    const keys = [campaignKeys.list("", undefined, 1), campaignKeys.list("sở", "published", 2), campaignKeys.copySources(),
      campaignKeys.detail("c1"), campaignKeys.targets("c1", 3), campaignKeys.outlines()];
    expect(await invalidated(keys, campaignKeys.lists())).toEqual(keys.slice(0, 3));
  });

  it("a submit refreshes the school's list and that report's history, not another report's", async () => {
    const keys = [submissionKeys.mine(), submissionKeys.history("s1", 4), submissionKeys.history("s2", 4), submissionKeys.detail("s1")];
    expect(await invalidated(keys, submissionKeys.mine())).toEqual([keys[0]]);
    expect(await invalidated(keys, submissionKeys.histories("s1"))).toEqual([keys[1]]);
  });

  it("saved scores refresh the report's checklist only", async () => {
    const keys = [submissionKeys.checklist("s1"), submissionKeys.checklist("s2"), submissionKeys.versions("s1", 1), scoreKeys.sheet("s1")];
    expect(await invalidated(keys, submissionKeys.checklist("s1"))).toEqual([keys[0]]);
  });

  it("an evidence change refreshes that report's catalogue, not the files' cached bytes", async () => {
    const keys = [evidenceKeys.catalogue("s1"), evidenceKeys.catalogue("s2"), evidenceKeys.content("e1")];
    expect(await invalidated(keys, evidenceKeys.catalogue("s1"))).toEqual([keys[0]]);
  });

  it("a review decision refreshes every status board, whatever its filters", async () => {
    const keys = [reviewKeys.board("c1", FILTERS), reviewKeys.board("c2", { ...FILTERS, page: 3 }), campaignKeys.detail("c1")];
    expect(await invalidated(keys, reviewKeys.boards())).toEqual(keys.slice(0, 2));
  });

  it("publishing a campaign's results refreshes its table and published list, not another campaign's", async () => {
    const keys = [resultKeys.table("c1", { q: "", page: 1 }), resultKeys.publishedPage("c1", "", 1), resultKeys.table("c2", { q: "", page: 1 })];
    expect(await invalidated(keys, resultKeys.campaign("c1"))).toEqual(keys.slice(0, 2));
  });

  it("a unit change refreshes the admin list, not the pickers' searches or the clusters", async () => {
    const keys = [unitKeys.list({ q: "", types: [], communeId: null, clusterId: undefined, page: 1 }), unitKeys.picker("a", undefined),
      unitKeys.communes(), unitKeys.clusters(), unitKeys.reorganisations()];
    expect(await invalidated(keys, unitKeys.lists())).toEqual([keys[0]]);
  });

  it("an import refreshes the rubric library, not a rubric's detail", async () => {
    const keys = [rubricKeys.lists(), rubricKeys.detail("r1")];
    expect(await invalidated(keys, rubricKeys.lists())).toEqual([keys[0]]);
  });

  it("a feed change refreshes the lists and the badge, not the e-mail preferences; a webhook change its deliveries", async () => {
    const keys = [notificationKeys.feedList({ page: 1, pageSize: 10, unreadOnly: false }), notificationKeys.unreadCount(), notificationKeys.preferences(),
      notificationKeys.calendarFeeds()];
    expect(await invalidated(keys, notificationKeys.feed())).toEqual(keys.slice(0, 2));
    const hooks = [integrationKeys.webhooks(), integrationKeys.deliveries("w1"), integrationKeys.clients()];
    expect(await invalidated(hooks, integrationKeys.webhooks())).toEqual(hooks.slice(0, 2));
  });
});
