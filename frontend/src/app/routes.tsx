// Every screen, and the signed-in frame (Shell), loaded on first visit (route-level code splitting keeps the first
// load small). The paths in
// DEEP_LINKS (navigation.tsx) are promised to other services' e-mails: keep them.
//
// Scoring: results and ranking (`/campaigns/:id/results`), rubrics (`/rubrics`); the self-scoring and
// review-scoring tables live inside the submission page. Notifications: the feed (`/notifications`); the bell
// in the Shell's header opens the latest items.
import type { QueryClient } from "@tanstack/react-query";
import type { ComponentType } from "react";
import { createBrowserRouter, type RouteObject } from "react-router";
import { NotFoundPage, RouteErrorPage } from "./lazyErrors";
import { prefetchSchoolReports } from "../features/submissions/reportsQuery";
import { RoleGate } from "./RoleGate";

const page = (load: () => Promise<{ default: ComponentType }>) => async () => ({ Component: (await load()).default });
/** A screen only some roles may use: others get the "Không có quyền" page, whatever the address bar says. */
const gated = (path: string, load: () => Promise<{ default: ComponentType }>) => async () => {
  const Screen = (await load()).default;
  return { Component: () => <RoleGate path={path}><Screen /></RoleGate> };
};

export const routes = (queryClient: QueryClient): RouteObject[] => [
  { path: "/login", lazy: page(() => import("../features/auth/LoginPage")), errorElement: <RouteErrorPage /> },
  { path: "/quen-mat-khau", lazy: page(() => import("../features/auth/PasswordPages")), errorElement: <RouteErrorPage /> },
  // The address identity puts in reset and invitation e-mails.
  { path: "/dat-mat-khau", lazy: async () => ({ Component: (await import("../features/auth/PasswordPages")).SetPasswordPage }), errorElement: <RouteErrorPage /> },
  {
    path: "/",
    // Lazy too: a visitor's first screen (the login page) does not need the header, menu and bell. React Router
    // loads this and the matched screen's module at the same time.
    lazy: async () => ({ Component: (await import("./Shell")).Shell }),
    errorElement: <RouteErrorPage />,
    children: [
      {
        errorElement: <RouteErrorPage />,
        children: [
          // A school's reports are asked for while the screen's code is still on its way (the loader never waits).
          { index: true, loader: () => { prefetchSchoolReports(queryClient); return null; }, lazy: page(() => import("../features/submissions/HomePage")) },
          { path: "campaigns", lazy: gated("/campaigns", () => import("../features/campaigns/CampaignListPage")) },
          { path: "campaigns/new", lazy: gated("/campaigns/new", () => import("../features/campaigns/CampaignWizardPage")) },
          { path: "campaigns/:campaignId", lazy: page(() => import("../features/submissions/CampaignLinkPage")) },
          { path: "campaigns/:campaignId/results", lazy: page(() => import("../features/results/ResultsPage")) },
          { path: "rubrics", lazy: gated("/rubrics", () => import("../features/rubrics/RubricsPage")) },
          { path: "rubrics/:rubricId", lazy: gated("/rubrics", () => import("../features/rubrics/RubricsPage")) },
          { path: "submissions/:submissionId", lazy: page(() => import("../features/submissions/SubmissionPage")) },
          { path: "admin/units", lazy: gated("/admin/units", () => import("../features/units/UnitsPage")) },
          { path: "admin/reorganisations", lazy: gated("/admin/reorganisations", () => import("../features/units/ReorganisationPage")) },
          { path: "admin/clusters", lazy: gated("/admin/clusters", () => import("../features/units/ClustersPage")) },
          { path: "admin/users", lazy: gated("/admin/users", () => import("../features/users/UsersPage")) },
          { path: "admin/integrations", lazy: gated("/admin/integrations", () => import("../features/integrations/IntegrationsPage")) },
          { path: "notifications", lazy: page(() => import("../features/notifications/NotificationsPage")) },
          { path: "account", lazy: page(() => import("../features/account/AccountPage")) },
          { path: "*", element: <NotFoundPage /> },
        ],
      },
    ],
  },
];

export function createRouter(queryClient: QueryClient) {
  return createBrowserRouter(routes(queryClient));
}
