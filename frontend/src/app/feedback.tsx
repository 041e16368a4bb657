// What `App.useApp()` gives the screens (message, notification, modal) without antd's App component in the first
// load: App mounts the three instances up front, and with them the notification, dialog and form modules, ~20 KB
// on the wire that no first screen shows. Here the context holds stand-ins; the real instances (FeedbackHost, its
// own chunk) are fetched at the person's first tap or key press, or at the first call, whichever comes first. A call
// made before they arrive is played once they have. The look of antd's App (text colour, size, line height and
// font of the page) is kept by the wrapper below.
import { theme } from "antd";
import AppContext, { type useAppProps } from "antd/es/app/context";
import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from "react";
import { deferred } from "../lib/deferred";

export type FeedbackApis = useAppProps;

const FeedbackHost = lazy(() => import("./FeedbackHost"));

export function FeedbackProvider({ children }: { children: ReactNode }) {
  const { token } = theme.useToken();
  const [wanted, setWanted] = useState(false);
  const later = useMemo(() => deferred<FeedbackApis>(() => setWanted(true)), []);
  const value = useMemo<FeedbackApis>(
    () => ({ message: later.standIn("message"), notification: later.standIn("notification"), modal: later.standIn("modal") }),
    [later],
  );

  useEffect(() => {
    if (wanted) return;
    const first = () => setWanted(true);
    window.addEventListener("pointerdown", first, { once: true, capture: true });
    window.addEventListener("keydown", first, { once: true, capture: true });
    return () => {
      window.removeEventListener("pointerdown", first, { capture: true });
      window.removeEventListener("keydown", first, { capture: true });
    };
  }, [wanted]);

  return (
    <AppContext.Provider value={value}>
      <div className="ant-app" style={{ color: token.colorText, fontSize: token.fontSize, lineHeight: token.lineHeight, fontFamily: token.fontFamily }}>
        {children}
        {wanted && (
          <Suspense fallback={null}>
            <FeedbackHost onReady={later.ready} />
          </Suspense>
        )}
      </div>
    </AppContext.Provider>
  );
}
