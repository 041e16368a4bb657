import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import viVN from "antd/locale/vi_VN";
import dayjs from "dayjs";
import "dayjs/locale/vi";
import { useEffect, useMemo, useState } from "react";
import { RouterProvider } from "react-router/dom";
import { asApiError } from "../api/problem";
import { AuthProvider } from "../features/auth/AuthProvider";
import { LangProvider, useLang } from "../i18n/lang";
import { watchScrollRegions } from "../lib/scrollRegions";
import { prefetchSchoolReports } from "../features/submissions/reportsQuery";
import { FeedbackProvider } from "./feedback";
import { createRouter } from "./routes";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // Retry what a dropped connection or a busy server explains; never a 4xx, which would only repeat.
      retry: (count, error) => {
        const status = asApiError(error).status;
        return (status === 0 || status >= 500) && count < 3;
      },
      refetchOnWindowFocus: false,
    },
  },
});

// Opened on the home page: who is signed in (and a school's reports) are asked for now, while the screens' code
// is still on its way, ahead of it in the browser's queue (the routes' loader does the same on later visits).
if (window.location.pathname === "/") prefetchSchoolReports(queryClient);

// Secondary text, placeholders and links darker than Ant Design's defaults (#8c8c8c, #bfbfbf, #1677ff), which
// fall under the 4.5:1 contrast of WCAG AA on white and on the page's #f5f7fa.
const theme = {
  token: {
    colorPrimary: "#1f4e8c", borderRadius: 6, fontSize: 15, colorLink: "#1f4e8c",
    colorTextSecondary: "rgba(0, 0, 0, 0.66)", colorTextTertiary: "rgba(0, 0, 0, 0.64)",
    colorTextDescription: "rgba(0, 0, 0, 0.64)", colorTextPlaceholder: "rgba(0, 0, 0, 0.58)",
    colorTextDisabled: "rgba(0, 0, 0, 0.56)", colorError: "#cf1322",
  },
};
// On a phone: 16 px text in every field (iOS Safari zooms into anything smaller) and 44 px controls, the size a
// finger hits reliably (buttons, inputs, selects, small buttons in tables alike).
const PHONE = "(max-width: 575px)";
const phoneTheme = {
  token: { ...theme.token, fontSize: 16, controlHeight: 44, controlHeightSM: 44, controlHeightLG: 48 },
  // The calendar's cells would grow with the controls: kept to a grid that fits a 375 px screen.
  components: { DatePicker: { cellWidth: 40, cellHeight: 32, timeColumnWidth: 64, timeCellHeight: 32, timeColumnHeight: 160 } },
};

function usePhone(): boolean {
  const [phone, setPhone] = useState(() => window.matchMedia(PHONE).matches);
  useEffect(() => {
    const query = window.matchMedia(PHONE);
    const changed = () => setPhone(query.matches);
    query.addEventListener("change", changed);
    return () => query.removeEventListener("change", changed);
  }, []);
  return phone;
}

function Localised() {
  const { lang } = useLang();
  const phone = usePhone();
  const router = useMemo(() => createRouter(queryClient), []);
  useEffect(() => watchScrollRegions(), []);
  useEffect(() => {
    dayjs.locale(lang === "en" ? "en" : "vi");
    document.documentElement.lang = lang;
  }, [lang]);
  return (
    <ConfigProvider locale={lang === "en" ? enUS : viVN} theme={phone ? phoneTheme : theme}>
      <FeedbackProvider>
        <RouterProvider router={router} />
      </FeedbackProvider>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <LangProvider>
      <QueryClientProvider client={queryClient}>
        <AuthProvider>
          <Localised />
        </AuthProvider>
      </QueryClientProvider>
    </LangProvider>
  );
}
