// Integrations (OAuth clients in identity, webhooks in notifications): the query-key factory.
export const integrationKeys = {
  all: ["integrations"] as const,
  clients: () => [...integrationKeys.all, "clients"] as const,
  /** The webhooks and, under each, its deliveries: a change to the webhooks refreshes both. */
  webhooks: () => [...integrationKeys.all, "webhooks"] as const,
  deliveries: (webhookId: string) => [...integrationKeys.webhooks(), webhookId, "deliveries"] as const,
};
