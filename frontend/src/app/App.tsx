import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App as AntApp, ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import viVN from "antd/locale/vi_VN";
import dayjs from "dayjs";
import "dayjs/locale/vi";
import { useEffect, useMemo } from "react";
import { RouterProvider } from "react-router/dom";
import { asApiError } from "../api/problem";
import { AuthProvider } from "../auth/AuthProvider";
import { LangProvider, useLang } from "../i18n/lang";
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

const theme = {
  token: { colorPrimary: "#1f4e8c", borderRadius: 6, fontSize: 15 },
};

function Localised() {
  const { lang } = useLang();
  const router = useMemo(() => createRouter(), []);
  useEffect(() => {
    dayjs.locale(lang === "en" ? "en" : "vi");
    document.documentElement.lang = lang;
  }, [lang]);
  return (
    <ConfigProvider locale={lang === "en" ? enUS : viVN} theme={theme}>
      <AntApp>
        <RouterProvider router={router} />
      </AntApp>
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
