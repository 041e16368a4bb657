// Every screen, and the signed-in frame (Shell), loaded on first visit (route-level code splitting keeps the first
// load small). The paths in
// DEEP_LINKS (navigation.tsx) are promised to other services' e-mails: keep them.
//
// Scoring: results and ranking (`/campaigns/:id/results`), rubrics (`/rubrics`); the self-scoring and
// review-scoring tables live inside the submission page. Notifications: the feed (`/notifications`); the bell
// in the Shell's header opens the latest items.
import type { ComponentType } from "react";
import { createBrowserRouter, type RouteObject } from "react-router";
import { NotFoundPage, RouteErrorPage } from "../pages/ErrorPages";

const page = (load: () => Promise<{ default: ComponentType }>) => async () => ({ Component: (await load()).default });

export const routes: RouteObject[] = [
  { path: "/login", lazy: page(() => import("../pages/LoginPage")), errorElement: <RouteErrorPage /> },
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
          { index: true, lazy: page(() => import("../pages/HomePage")) },
          { path: "campaigns", lazy: page(() => import("../pages/review/CampaignListPage")) },
          { path: "campaigns/new", lazy: page(() => import("../pages/review/CampaignWizardPage")) },
          { path: "campaigns/:campaignId", lazy: page(() => import("../pages/CampaignLinkPage")) },
          { path: "campaigns/:campaignId/results", lazy: page(() => import("../pages/results/ResultsPage")) },
          { path: "rubrics", lazy: page(() => import("../pages/results/RubricsPage")) },
          { path: "rubrics/:rubricId", lazy: page(() => import("../pages/results/RubricsPage")) },
          { path: "submissions/:submissionId", lazy: page(() => import("../pages/submission/SubmissionPage")) },
          { path: "admin/units", lazy: page(() => import("../pages/admin/UnitsPage")) },
          { path: "admin/users", lazy: page(() => import("../pages/admin/UsersPage")) },
          { path: "notifications", lazy: page(() => import("../pages/notifications/NotificationsPage")) },
          { path: "account", lazy: page(() => import("../pages/account/AccountPage")) },
          { path: "*", element: <NotFoundPage /> },
        ],
      },
    ],
  },
];

export function createRouter() {
  return createBrowserRouter(routes);
}
